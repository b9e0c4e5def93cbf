/**
 * `run`: the whole pipeline over some inputs into one output directory, in this process or on a
 * BullMQ queue for `clipmill worker` processes. `clipmill run` is this function plus flag parsing.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import { RunProgress, type ProgressCounts } from '../cli/progress.js';
import { runDataset } from '../pipeline/run.js';
import type { PackOutcome } from '../pipeline/pack-step.js';
import { quietProgress } from './quiet.js';

/** A config as a config file holds it: any subset of the settings, the rest take their defaults. */
export type RunSettings = Record<string, unknown> | RunConfig;

export interface RunOptions {
  /** Manifests, URL lists, folders, URLs or video files (see the README's inputs table). */
  inputs: string[];
  /** Output directory; rerunning into it resumes. */
  out: string;
  /** Settings, as in a config file (`{ segment: { maxClipSec: 4 }, policy: { use: 'research' } }`). */
  config?: RunSettings;
  /** A redis:// URL: enqueue the run for `clipmill worker` processes and follow it. */
  queue?: string;
  /** Decode on an NVIDIA GPU (local runs; workers set it themselves). */
  hwaccel?: 'cuda';
  /** Progress sink; a silent one by default (`new RunProgress()` prints like the CLI). */
  progress?: RunProgress;
  signal?: AbortSignal;
}

export interface RunReport {
  /** Sources seen, done, failed, refused, skipped (finished earlier), bad manifest rows; clips. */
  counts: ProgressCounts;
  /** True when a queued run was cancelled (`clipmill cancel`); nothing was packed. */
  cancelled: boolean;
  /** The pack step's outcome (absent when cancelled). */
  pack?: PackOutcome;
  /** What the person running it must be told: pack problems, the licence warning. */
  warnings: string[];
  outDir: string;
}

export async function run(opts: RunOptions): Promise<RunReport> {
  const cfg = await loadConfig(undefined, { ...opts.config });
  const progress = opts.progress ?? quietProgress();
  const outDir = path.resolve(opts.out);
  if (opts.queue) {
    const { runIdFor, runOnQueue } = await import('../executors/bullmq.js');
    const result = await runOnQueue({ queueUrl: opts.queue, runId: runIdFor(outDir), inputs: opts.inputs, outDir, cfg, progress, signal: opts.signal });
    const pack = result.cancelled ? undefined : (result.pack as PackOutcome | undefined);
    return { counts: progress.counts, cancelled: result.cancelled, pack, warnings: pack?.warnings ?? [], outDir };
  }
  const result = await runDataset({ inputs: opts.inputs, outDir, cfg, progress, hwaccel: opts.hwaccel, signal: opts.signal });
  return { counts: progress.counts, cancelled: false, pack: result.pack, warnings: result.pack?.warnings ?? [], outDir };
}
