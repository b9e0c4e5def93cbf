/**
 * The local executor: stream the pending sources from the inputs, process them with bounded
 * concurrency in this process, commit the finished ones in parts as they come (pipeline/parts.ts),
 * then reduce the parts to the dataset.
 */
import type { RunConfig } from '../config/schema.js';
import type { Executor } from '../executors/executor.js';
import { runPool } from '../executors/local.js';
import { pendingSources } from '../executors/pending.js';
import { createHostGate } from '../fetch/politeness.js';
import { checkHwaccel } from '../media/hwaccel.js';
import { loadPolicyContext } from '../policy/context.js';
import { OutputDir } from '../store/output.js';
import { lockOutput } from '../store/run-lock.js';
import { LocalRoots } from '../fetch/local-roots.js';
import { isHttpUrl } from '../sources/ids.js';
import { isS3Uri } from '../store/s3-uri.js';
import type { RunProgress } from '../cli/progress.js';
import type { WriterFactory } from '../pack/writer.js';
import { packRun, type PackOutcome } from './pack-step.js';
import type { SourceStage } from './stage.js';
import type { SourceRecord } from '../types.js';
import { partCollector } from './parts.js';
import { processSource } from './task.js';

export interface RunOptions {
  inputs: string[];
  outDir: string;
  cfg: RunConfig;
  progress: RunProgress;
  hwaccel?: 'cuda';
  signal?: AbortSignal;
  /** The per-source stages (default: defaultStages(cfg)). */
  stages?: readonly SourceStage[];
  /** The sample writer of the parts this run commits (default: WebDataset tars). */
  makeWriter?: WriterFactory;
  /** Skip the pack step (e.g. when a distributed run packs once at the end). */
  noPack?: boolean;
  /** Called with each record once it is written (an s3:// output publishes the source). */
  onRecord?: (record: SourceRecord) => Promise<void>;
  /**
   * Leave every part to the pack step's sweep instead of committing as sources finish: for an
   * s3:// output, where a part committed here would reach the bucket only at the final publish
   * while the markers and clips that a rerun elsewhere needs are already published.
   */
  deferCommits?: boolean;
  /** Use an output folder that holds files but no clipmill marker (`--force`). */
  force?: boolean;
  /** Folders whose files manifests may name (`--allow-local`); the local inputs themselves are always allowed. */
  allowLocal?: string[];
  /** Fetch from private and loopback addresses too (`--allow-private-network`). */
  allowPrivateNetwork?: boolean;
}

export interface RunResult {
  /** Absent with `noPack`. */
  pack?: PackOutcome;
}

export async function runDataset(opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const out = new OutputDir(opts.outDir);
  await out.prepare({ force: opts.force });
  // One run at a time on an output: two would delete each other's work.
  const lock = await lockOutput(out.root);
  try {
    return await runLocked(out, opts, startedAt);
  } finally {
    await lock.release();
  }
}

async function runLocked(out: OutputDir, opts: RunOptions, startedAt: string): Promise<RunResult> {
  // Folders and files named on the command line are allowed; URLs and bucket prefixes are not local.
  const localInputs = opts.inputs.filter((input) => !isHttpUrl(input) && !isS3Uri(input));
  const access = { localRoots: await LocalRoots.of([...(opts.allowLocal ?? []), ...localInputs]), allowPrivateNetwork: opts.allowPrivateNetwork };
  if (opts.hwaccel) await checkHwaccel(opts.hwaccel);
  const policy = await loadPolicyContext(opts.cfg.policy, out.root);
  const gate = createHostGate(opts.cfg.fetch);
  const { progress } = opts;

  const parts = partCollector(out, opts.cfg, opts.makeWriter);
  let poolFailed = true;
  progress.start();
  try {
    await runPool(
      pendingSources(out, opts.inputs, opts.cfg, progress),
      opts.cfg.workers,
      async (source, signal) => {
        const record = await processSource(source, { out, cfg: opts.cfg, gate, policy, access, hwaccel: opts.hwaccel, signal, stages: opts.stages });
        await opts.onRecord?.(record);
        progress.finished(record);
        if (!opts.deferCommits) await parts.add(record);
      },
      opts.signal,
    );
    poolFailed = false;
  } finally {
    progress.stop();
    // What finished is committed also when the run stops early (SIGINT/SIGTERM, a fatal error); a
    // commit that fails then leaves its sources marked for the next reduce's sweep.
    await parts.flush().catch((err: unknown) => {
      if (!poolFailed) throw err;
    });
  }
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('cancelled');
  if (opts.noPack) return {};

  progress.log('packing shards, index and stats');
  return { pack: await packRun(out.root, opts.cfg, { startedAt, finishedAt: new Date().toISOString() }, opts.makeWriter) };
}

/** The executor that runs everything in this process (the default). */
export function localExecutor(opts: Pick<RunOptions, 'hwaccel' | 'stages' | 'makeWriter' | 'onRecord' | 'deferCommits' | 'force' | 'allowLocal' | 'allowPrivateNetwork'> = {}): Executor {
  return {
    name: 'local',
    async execute(run) {
      const result = await runDataset({ ...run, ...opts });
      return { cancelled: false, pack: result.pack };
    },
  };
}
