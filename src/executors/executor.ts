/**
 * The executor contract: an executor takes a run (inputs, output directory, settings) and brings
 * every pending source to its record, then has the pack step run once. The local pool and the
 * BullMQ queue both read inputs through pendingSources, process sources with processSource, pack
 * with packRun and report through the same RunProgress, so they give the same dataset, warnings
 * and exit status.
 */
import type { RunProgress } from '../cli/progress.js';
import type { RunConfig } from '../config/schema.js';
import type { PackOutcome } from '../pipeline/pack-step.js';

export interface ExecutorRun {
  inputs: string[];
  /** Absolute output directory (shared storage for a queue). */
  outDir: string;
  cfg: RunConfig;
  progress: RunProgress;
  signal?: AbortSignal;
}

export interface ExecutorResult {
  /** The run was cancelled (a queued run by `clipmill cancel`); nothing was packed. */
  cancelled: boolean;
  pack?: PackOutcome;
}

export interface Executor {
  readonly name: string;
  execute(run: ExecutorRun): Promise<ExecutorResult>;
}
