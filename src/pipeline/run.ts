/**
 * A whole local run: stream sources from the inputs, skip those an earlier run finished,
 * process the rest with bounded concurrency, then pack the dataset from the records.
 */
import type { RunConfig } from '../config/schema.js';
import { runPool } from '../executors/local.js';
import { LocalRoots } from '../fetch/local-roots.js';
import { createHostGate } from '../fetch/politeness.js';
import { checkHwaccel } from '../media/hwaccel.js';
import { makeThumbnail } from '../media/thumbnail.js';
import { pack, type PackSummary } from '../pack/index.js';
import { markDuplicateClipRows } from '../pack/dedup.js';
import { writeAttribution } from '../policy/attribution.js';
import { licenseWarning } from '../policy/policy.js';
import { loadPolicyContext } from '../policy/context.js';
import { isHttpUrl } from '../sources/ids.js';
import { isRowError, readInputs } from '../sources/index.js';
import { needsRedo, OutputDir } from '../store/output.js';
import { lockOutput } from '../store/run-lock.js';
import type { RunProgress } from '../cli/progress.js';
import type { RowError, Source } from '../types.js';
import { processSource } from './task.js';

export interface RunOptions {
  inputs: string[];
  outDir: string;
  cfg: RunConfig;
  progress: RunProgress;
  hwaccel?: 'cuda';
  /** Use an output folder that holds files but no clipmill marker (`--force`). */
  force?: boolean;
  /** Folders whose files manifests may name (`--allow-local`); the local inputs themselves are always allowed. */
  allowLocal?: string[];
  /** Fetch from private and loopback addresses too (`--allow-private-network`). */
  allowPrivateNetwork?: boolean;
  signal?: AbortSignal;
  /** Skip the pack step (e.g. when a distributed run packs once at the end). */
  noPack?: boolean;
}

export interface RunResult {
  pack?: PackSummary;
  warning?: string;
}

export async function runDataset(opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const out = new OutputDir(opts.outDir);
  await out.prepare({ force: opts.force });
  const lock = await lockOutput(out.root);
  try {
    return await runLocked(out, opts, startedAt);
  } finally {
    await lock.release();
  }
}

async function runLocked(out: OutputDir, opts: RunOptions, startedAt: string): Promise<RunResult> {
  if (opts.hwaccel) await checkHwaccel(opts.hwaccel);
  const policy = await loadPolicyContext(opts.cfg.policy, out.root);
  const gate = createHostGate(opts.cfg.fetch);
  const localInputs = opts.inputs.filter((input) => !isHttpUrl(input));
  const access = { localRoots: await LocalRoots.of([...(opts.allowLocal ?? []), ...localInputs]), allowPrivateNetwork: opts.allowPrivateNetwork };
  const recorded = await out.recordedIds();
  const { progress } = opts;

  /** Sources still to do: unseen ones, and earlier failures that may succeed on a retry. */
  async function* pending(): AsyncGenerator<Source> {
    for await (const item of readRunInputs(opts.inputs, opts.cfg)) {
      if (isRowError(item)) {
        progress.badRow(item);
        continue;
      }
      progress.sourceSeen();
      if (recorded.has(item.id) && !needsRedo(await out.readRecord(item.id))) {
        progress.skipped();
        continue;
      }
      yield item;
    }
    progress.inputsExhausted();
  }

  progress.start();
  try {
    await runPool(
      pending(),
      opts.cfg.workers,
      async (source, signal) => {
        const record = await processSource(source, { out, cfg: opts.cfg, gate, policy, access, hwaccel: opts.hwaccel, signal });
        progress.finished(record);
      },
      opts.signal,
    );
  } finally {
    progress.stop();
  }
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('cancelled');
  if (opts.noPack) return {};

  progress.log('packing shards, index and stats');
  const summary = await packOutput(out.root, opts.cfg, { startedAt, finishedAt: new Date().toISOString() });
  return { pack: summary, warning: licenseWarning(summary.stats.sources.done_by_licence, opts.cfg.policy) };
}

/** The sources of a run's inputs, read as its config says. */
export function readRunInputs(inputs: string[], cfg: RunConfig): AsyncGenerator<Source | RowError> {
  return readInputs(inputs, { urlColumn: cfg.urlColumn, preset: cfg.preset, licenseColumn: cfg.policy.licenseColumn });
}

/** The reduce step of every run, local or distributed: dedup across sources, shards, index, stats, attribution. */
export async function packOutput(outDir: string, cfg: RunConfig, run: { startedAt: string; finishedAt: string }): Promise<PackSummary> {
  const summary = await pack(outDir, cfg.pack, run, {
    markDuplicates: (rows) => markDuplicateClipRows(rows),
    // A clip whose thumbnail cannot be made is still packed, without one.
    thumbnail: (clipFile) => makeThumbnail(clipFile).catch(() => undefined),
  });
  await writeAttribution(outDir);
  return summary;
}
