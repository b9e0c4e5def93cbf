/**
 * What travels through the queue: the data and results of source and pack jobs, their retry
 * options, and run ids. Jobs carry only a source and the run id; the run's config and output
 * directory are stored once in Redis (see redis.ts).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { JobsOptions } from 'bullmq';
import type { PackOutcome } from '../pipeline/pack-step.js';
import type { Source, SourceStatus } from '../types.js';
import { isS3Uri } from '../store/s3-uri.js';

export interface SourceJobData {
  runId: string;
  source: Source;
}
export interface PackJobData {
  runId: string;
}
/** What a source job returns: the status of the record it left, or why it did nothing. */
export interface SourceJobResult {
  status: SourceStatus | 'cancelled';
}
/** What a pack job returns (kept small: it lives in Redis): the run's pack outcome, or that it was cancelled. */
export interface PackJobResult extends Partial<PackOutcome> {
  cancelled?: boolean;
}

/**
 * Retries for what processSource does not record itself (it records every source failure and
 * returns; a throw means the worker's machinery broke, e.g. the shared disk or Redis hiccuped).
 * A failed job does not block the pack step (ignoreDependencyOnFailure); a rerun re-enqueues it.
 */
export const SOURCE_JOB_OPTS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
  removeOnFail: { count: 10000 },
  ignoreDependencyOnFailure: true,
};
export const PACK_JOB_OPTS: JobsOptions = { attempts: 3, backoff: { type: 'exponential', delay: 10000 } };

/** A run id from the absolute output path (or s3:// URI), so rerunning the same command resumes the same run. */
export function runIdFor(outDir: string): string {
  return createHash('sha256').update(isS3Uri(outDir) ? outDir : path.resolve(outDir)).digest('hex').slice(0, 12);
}
