/**
 * `run`: the whole pipeline over some inputs into one output directory, in this process or on a
 * BullMQ queue for `clipmill worker` processes. `clipmill run` is this function plus flag parsing.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import { RunProgress, type ProgressCounts } from '../cli/progress.js';
import type { Executor } from '../executors/executor.js';
import type { RemoteOutput } from '../executors/bullmq.js';
import type { WriterFactory } from '../pack/writer.js';
import { localExecutor } from '../pipeline/run.js';
import type { PackOutcome } from '../pipeline/pack-step.js';
import type { SourceStage } from '../pipeline/stage.js';
import { defaultStages } from '../pipeline/stages/index.js';
import { FatalError } from '../errors.js';
import type { SourceRecord } from '../types.js';
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
  /**
   * The per-source stages: a list, or a function that gets the default list for the run's config
   * and returns the one to run (`(list) => [...list, annotateStage(myAnnotator)]`).
   */
  stages?: readonly SourceStage[] | ((defaults: SourceStage[]) => readonly SourceStage[]);
  /** A redis:// URL: enqueue the run for `clipmill worker` processes and follow it. */
  queue?: string;
  /** With `queue`: source jobs waiting in Redis at most (default 100,000); enqueueing pauses until workers take some. */
  queueWindow?: number;
  /**
   * With `queue`: an output the workers publish to instead of sharing `out` (an s3:// prefix,
   * store/s3-queue.ts); `out` is then this process's staging folder, where the pack step runs.
   */
  remote?: RemoteOutput;
  /** The pack step's sample writer, for a local run (default: WebDataset tar shards). */
  makeWriter?: WriterFactory;
  /** Runs the sources and the pack step (default: local, or the queue executor with `queue`). */
  executor?: Executor;
  /** Decode on an NVIDIA GPU (local runs; workers set it themselves). */
  hwaccel?: 'cuda';
  /** Progress sink; a silent one by default (`new RunProgress()` prints like the CLI). */
  progress?: RunProgress;
  signal?: AbortSignal;
  /** Called with each source record once it is written (local runs; an s3:// output publishes the source). */
  onRecord?: (record: SourceRecord) => Promise<void>;
  /** Local runs: commit no part as sources finish; the pack step's sweep commits them all (s3:// outputs). */
  deferCommits?: boolean;
  /** Local runs: folders whose files manifests may name (the local inputs themselves are always allowed). */
  allowLocal?: string[];
  /** Local runs: fetch from private and loopback addresses too. */
  allowPrivateNetwork?: boolean;
  /** Local runs: use an output folder that holds files but no clipmill marker. */
  force?: boolean;
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

/** The stage list a run with these settings would use (what `clipmill run --explain` prints). */
export async function planRun(opts: Pick<RunOptions, 'config' | 'stages'> = {}): Promise<readonly SourceStage[]> {
  return resolveStages(await loadConfig(undefined, { ...opts.config }), opts.stages);
}

export function resolveStages(cfg: RunConfig, stages: RunOptions['stages']): readonly SourceStage[] {
  if (!stages) return defaultStages(cfg);
  return typeof stages === 'function' ? stages(defaultStages(cfg)) : stages;
}

export async function run(opts: RunOptions): Promise<RunReport> {
  const cfg = await loadConfig(undefined, { ...opts.config });
  const progress = opts.progress ?? quietProgress();
  const outDir = path.resolve(opts.out);
  const executor = opts.executor ?? (await defaultExecutor(opts, cfg));
  const result = await executor.execute({ inputs: opts.inputs, outDir, cfg, progress, signal: opts.signal });
  return { counts: progress.counts, cancelled: result.cancelled, pack: result.pack, warnings: result.pack?.warnings ?? [], outDir };
}

/** Local by default; the queue executor with `queue` (its workers run the stages they were started with). */
async function defaultExecutor(opts: RunOptions, cfg: RunConfig): Promise<Executor> {
  if (!opts.queue) {
    const { hwaccel, makeWriter, onRecord, deferCommits, allowLocal, allowPrivateNetwork, force } = opts;
    return localExecutor({ hwaccel, stages: resolveStages(cfg, opts.stages), makeWriter, onRecord, deferCommits, allowLocal, allowPrivateNetwork, force });
  }
  if (opts.makeWriter) throw new FatalError('a custom sample writer runs only in a local run (the queue\'s pack job runs on a worker)');
  if (opts.stages) throw new FatalError('custom stages run only locally: start workers with them (startWorker({ stages })) instead of passing them to a queued run');
  const { queueExecutor } = await import('../executors/bullmq.js');
  return queueExecutor(opts.queue, opts.remote, { window: opts.queueWindow });
}
