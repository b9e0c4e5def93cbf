/**
 * Following a queued run until its pack job finishes: every completed source job is read back
 * from the output store and fed to the progress (the same lines as a local run).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunProgress } from '../cli/progress.js';
import { FatalError } from '../errors.js';
import { OutputDir } from '../store/output.js';
import type { SourceRecord } from '../types.js';
import type { PackJobData, PackJobResult, SourceJobResult } from './bullmq-jobs.js';
import { openRedis, PACK_QUEUE, packJobId, readRunMeta, redisOptions, runOfJob, SOURCES_QUEUE } from './redis.js';

export interface FollowOptions {
  queueUrl: string;
  runId: string;
  progress?: RunProgress;
  signal?: AbortSignal;
  /** Event stream id to start reading completions from (default: from now on). */
  since?: string;
  /** Source ids this follower expects; those not reported live are read from the store at the end. */
  expected?: Set<string>;
  /** Reads a finished source's record (default: from the run's shared output folder). */
  readRecord?: (sourceId: string) => Promise<SourceRecord | undefined>;
}

export interface FollowResult {
  cancelled: boolean;
  pack?: PackJobResult;
}

const POLL_MS = 200;

/**
 * Follows a run until its pack job finishes: every completed source job is read back from the
 * output store and fed to the progress (the same lines as a local run).
 */
export async function followRun(opts: FollowOptions): Promise<FollowResult> {
  const { runId, progress } = opts;
  const connection = redisOptions(opts.queueUrl);
  const redis = openRedis(opts.queueUrl);
  const meta = await readRunMeta(redis, runId);
  if (!meta) {
    redis.disconnect();
    throw new FatalError(`no run ${runId} in ${opts.queueUrl}`);
  }
  const readRecord = opts.readRecord ?? ((id: string) => new OutputDir(meta.outDir).readRecord(id));
  const reported = new Set<string>();
  // One read per source at a time: a job's completed event and the final sweep can ask at once.
  const reading = new Map<string, Promise<void>>();
  const readAndReport = async (sourceId: string): Promise<void> => {
    const record = await readRecord(sourceId);
    if (!record || reported.has(sourceId)) return;
    reported.add(sourceId);
    progress?.finished(record);
  };
  const report = (sourceId: string): Promise<void> => {
    if (reported.has(sourceId)) return Promise.resolve();
    let pending = reading.get(sourceId);
    if (!pending) {
      pending = readAndReport(sourceId).finally(() => reading.delete(sourceId));
      reading.set(sourceId, pending);
    }
    return pending;
  };
  const events = new QueueEvents(SOURCES_QUEUE, { connection, lastEventId: opts.since });
  events.on('completed', ({ jobId, returnvalue }) => {
    if (runOfJob(jobId) !== runId) return;
    const status = (returnvalue as unknown as SourceJobResult | undefined)?.status;
    if (status && status !== 'cancelled') {
      // Progress only: a record that cannot be read now is read again by the final sweep when it
      // is among the expected sources (the first EXPECTED_CAP of the run).
      report(jobId.slice(runId.length + 1)).catch((err: unknown) => progress?.log(`could not read the record of ${jobId}: ${(err as Error).message}`));
    }
  });
  events.on('failed', ({ jobId, failedReason }) => {
    if (runOfJob(jobId) === runId) progress?.log(`job ${jobId} failed: ${failedReason}`);
  });
  const packQueue = new Queue<PackJobData, PackJobResult>(PACK_QUEUE, { connection });
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const state = (await readRunMeta(redis, runId))?.state;
      if (state === 'cancelled') return { cancelled: true };
      const job = await packQueue.getJob(packJobId(runId));
      const jobState = job ? await job.getState() : 'unknown';
      if (jobState === 'completed' || jobState === 'failed') {
        // Read again: the job fetched above may predate its end (no return value or failure reason yet).
        const ended = await packQueue.getJob(packJobId(runId));
        if (jobState === 'failed') throw new FatalError(`pack step of run ${runId} failed: ${ended?.failedReason}`);
        for (const id of opts.expected ?? []) await report(id);
        return { cancelled: Boolean(ended?.returnvalue?.cancelled), pack: ended?.returnvalue };
      }
      await sleep(POLL_MS, undefined, { signal: opts.signal });
    }
  } finally {
    await Promise.allSettled([events.close(), packQueue.close()]);
    redis.disconnect();
  }
}

/** The id of the newest event of the source queue, so a follower sees everything after it. */
export async function lastSourceEventId(redis: Redis): Promise<string> {
  const newest = await redis.xrevrange(`bull:${SOURCES_QUEUE}:events`, '+', '-', 'COUNT', 1);
  return newest[0]?.[0] ?? '0-0';
}
