/**
 * The distributed executor, client side: a run becomes one BullMQ job per source and a pack job
 * that waits for all of them (a flow: the pack job is the parent of the source jobs). Jobs carry
 * only a source and the run id; the run's config and output directory are stored once in Redis.
 * The output directory stays the source of truth: sources with a record are not enqueued again.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, Job, Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunProgress } from '../cli/progress.js';
import type { RunConfig } from '../config/schema.js';
import { FatalError } from '../errors.js';
import { isRowError } from '../sources/index.js';
import { readRunInputs } from '../pipeline/run.js';
import { needsRedo, OutputDir } from '../store/output.js';
import type { Source, SourceStatus } from '../types.js';
import {
  HOLD_QUEUE, holdJobId, openRedis, PACK_QUEUE, packJobId, readRunMeta, redisOptions, runKey, runOfJob,
  SOURCES_QUEUE, sourceJobId,
} from './redis.js';
import { signRun } from './job-trust.js';

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
/** What a pack job returns (kept small: it lives in Redis). */
export interface PackJobResult {
  cancelled?: boolean;
  sources?: number;
  clipsKept?: number;
  clipsDropped?: number;
  duplicates?: number;
  shards?: number;
  warning?: string;
}

/** Source jobs added per round trip; a flow of millions of children is built in batches. */
const ADD_BATCH = 500;

/**
 * Retries for what processSource does not record itself (it records every source failure and
 * returns; a throw means the worker's machinery broke, e.g. the shared disk or Redis hiccuped).
 * A failed job does not block the pack step (ignoreDependencyOnFailure); a rerun re-enqueues it.
 */
const SOURCE_JOB_OPTS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
  removeOnFail: { count: 10000 },
  ignoreDependencyOnFailure: true,
};
const PACK_JOB_OPTS: JobsOptions = { attempts: 3, backoff: { type: 'exponential', delay: 10000 } };

/** A run id from the absolute output path, so rerunning the same command resumes the same run. */
export function runIdFor(outDir: string): string {
  return createHash('sha256').update(path.resolve(outDir)).digest('hex').slice(0, 12);
}

export interface EnqueueOptions {
  queueUrl: string;
  runId: string;
  inputs: string[];
  /** Must be the same path on every worker (shared storage). */
  outDir: string;
  cfg: RunConfig;
  /** Receives seen / skipped / bad-row counts as inputs are read. */
  progress?: RunProgress;
  /** Called with each batch of source ids just before their jobs are added. */
  onEnqueue?: (sourceIds: string[]) => void;
}

export interface EnqueueResult {
  runId: string;
  seen: number;
  /** Sources finished by an earlier run (a record exists and is not a transient failure). */
  skipped: number;
  badRows: number;
  /** Source jobs added (or already pending from an earlier enqueue of the same run). */
  enqueued: number;
}

/**
 * Enqueues a run: stores its settings, creates (or reuses) its held pack job, adds one job per
 * source still to do, then releases the pack job so it runs once every source job has finished.
 * Enqueueing the same run again adds nothing twice and packs again at the end, like a local rerun.
 */
export async function enqueueRun(opts: EnqueueOptions): Promise<EnqueueResult> {
  const { runId, progress } = opts;
  const connection = redisOptions(opts.queueUrl);
  const redis = openRedis(opts.queueUrl);
  const sourcesQueue = new Queue<SourceJobData>(SOURCES_QUEUE, { connection });
  const packQueue = new Queue<PackJobData>(PACK_QUEUE, { connection });
  const holdQueue = new Queue(HOLD_QUEUE, { connection });
  const flows = new FlowProducer({ connection });
  const result: EnqueueResult = { runId, seen: 0, skipped: 0, badRows: 0, enqueued: 0 };
  try {
    const out = new OutputDir(path.resolve(opts.outDir));
    await out.prepare();
    await clearReleasedPack(packQueue, runId);
    const cfgJson = JSON.stringify(opts.cfg);
    await redis.hset(runKey(runId), {
      outDir: out.root, cfg: cfgJson, sig: signRun(runId, out.root, cfgJson), inputs: JSON.stringify(opts.inputs),
      state: 'enqueuing', enqueuedAt: new Date().toISOString(),
    });
    await removeFailedJobs(sourcesQueue, runId);
    await flows.add({
      name: 'pack', queueName: PACK_QUEUE, data: { runId }, opts: { ...PACK_JOB_OPTS, jobId: packJobId(runId) },
      children: [{ name: 'hold', queueName: HOLD_QUEUE, data: { runId }, opts: { jobId: holdJobId(runId) } }],
    });

    const parent = { id: packJobId(runId), queue: packQueue.qualifiedName };
    const recorded = await out.recordedIds();
    let batch: Source[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      opts.onEnqueue?.(batch.map((s) => s.id));
      await sourcesQueue.addBulk(batch.map((source) => ({
        name: 'source', data: { runId, source }, opts: { ...SOURCE_JOB_OPTS, jobId: sourceJobId(runId, source.id), parent },
      })));
      result.enqueued += batch.length;
      batch = [];
    };
    for await (const item of readRunInputs(opts.inputs, opts.cfg)) {
      if (isRowError(item)) {
        result.badRows++;
        progress?.badRow(item);
        continue;
      }
      result.seen++;
      progress?.sourceSeen();
      if (recorded.has(item.id) && !needsRedo(await out.readRecord(item.id))) {
        result.skipped++;
        progress?.skipped();
        continue;
      }
      batch.push(item);
      if (batch.length >= ADD_BATCH) await flush();
    }
    await flush();
    progress?.inputsExhausted();
    await redis.hset(runKey(runId), {
      state: 'queued', seen: result.seen, skipped: result.skipped, badRows: result.badRows, enqueued: result.enqueued,
    });
    // Every source job is in place: let the pack job go once they are done.
    const hold = await Job.fromId(holdQueue, holdJobId(runId));
    if (hold) {
      await hold.removeChildDependency();
      await hold.remove();
    }
    return result;
  } finally {
    await Promise.allSettled([sourcesQueue.close(), packQueue.close(), holdQueue.close(), flows.close()]);
    redis.disconnect();
  }
}

/**
 * A pack job no longer waiting for its children (finished, or released and not yet taken) is
 * removed, so that this enqueue holds a fresh one and packs again at the end. A running one stops us.
 */
async function clearReleasedPack(packQueue: Queue, runId: string): Promise<void> {
  const job = await packQueue.getJob(packJobId(runId));
  if (!job) return;
  const state = await job.getState();
  if (state === 'active') throw new FatalError(`run ${runId} is packing right now; enqueue it again once that has finished`);
  if (state !== 'waiting-children') await job.remove();
}

/** Failed source jobs of this run are dropped so the sources can be enqueued again. */
async function removeFailedJobs(sourcesQueue: Queue, runId: string): Promise<void> {
  const failed = await sourcesQueue.getFailed();
  await Promise.all(failed.filter((j) => j.id && runOfJob(j.id) === runId).map((j) => j.remove()));
}

export interface FollowOptions {
  queueUrl: string;
  runId: string;
  progress?: RunProgress;
  signal?: AbortSignal;
  /** Event stream id to start reading completions from (default: from now on). */
  since?: string;
  /** Source ids this follower expects; those not reported live are read from the store at the end. */
  expected?: Set<string>;
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
  const out = new OutputDir(meta.outDir);
  const reported = new Set<string>();
  const report = async (sourceId: string): Promise<void> => {
    if (reported.has(sourceId)) return;
    const record = await out.readRecord(sourceId);
    if (!record || reported.has(sourceId)) return;
    reported.add(sourceId);
    progress?.finished(record);
  };
  const events = new QueueEvents(SOURCES_QUEUE, { connection, lastEventId: opts.since });
  events.on('completed', ({ jobId, returnvalue }) => {
    if (runOfJob(jobId) !== runId) return;
    const status = (returnvalue as unknown as SourceJobResult | undefined)?.status;
    if (status && status !== 'cancelled') void report(jobId.slice(runId.length + 1));
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
      if (jobState === 'completed') {
        for (const id of opts.expected ?? []) await report(id);
        return { cancelled: Boolean(job!.returnvalue?.cancelled), pack: job!.returnvalue };
      }
      if (jobState === 'failed') throw new FatalError(`pack step of run ${runId} failed: ${job!.failedReason}`);
      await sleep(POLL_MS, undefined, { signal: opts.signal });
    }
  } finally {
    await Promise.allSettled([events.close(), packQueue.close()]);
    redis.disconnect();
  }
}

/** The id of the newest event of the source queue, so a follower sees everything after it. */
async function lastSourceEventId(redis: Redis): Promise<string> {
  const newest = await redis.xrevrange(`bull:${SOURCES_QUEUE}:events`, '+', '-', 'COUNT', 1);
  return newest[0]?.[0] ?? '0-0';
}

export interface QueueRunOptions extends Omit<EnqueueOptions, 'onEnqueue' | 'progress'> {
  progress: RunProgress;
  signal?: AbortSignal;
}

/**
 * `clipmill run --queue`: enqueue and follow at once, so sources finished while the rest are
 * still being enqueued are shown too. Interrupting it leaves the run to the workers.
 */
export async function runOnQueue(opts: QueueRunOptions): Promise<EnqueueResult & FollowResult> {
  const redis = openRedis(opts.queueUrl);
  let since: string;
  try {
    since = await lastSourceEventId(redis);
  } finally {
    redis.disconnect();
  }
  const expected = new Set<string>();
  opts.progress.start();
  try {
    const enqueued = await enqueueRun({ ...opts, onEnqueue: (ids) => ids.forEach((id) => expected.add(id)) });
    const followed = await followRun({ queueUrl: opts.queueUrl, runId: opts.runId, progress: opts.progress, signal: opts.signal, since, expected });
    return { ...enqueued, ...followed };
  } finally {
    opts.progress.stop();
  }
}

/**
 * Cancels a run: workers skip its remaining jobs, stop its running ones (their sources stay
 * unrecorded) and do not pack. Enqueueing the run again resumes it.
 */
export async function cancelRun(queueUrl: string, runId: string): Promise<void> {
  const redis = openRedis(queueUrl);
  try {
    if (!(await redis.exists(runKey(runId)))) throw new FatalError(`no run ${runId} in ${queueUrl}`);
    await redis.hset(runKey(runId), { state: 'cancelled', cancelledAt: new Date().toISOString() });
  } finally {
    redis.disconnect();
  }
}

export interface QueueStatus {
  /** Source jobs of all runs, by state. */
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  /** Connected BullMQ workers (a `clipmill worker` process holds one per queue). */
  workers: { name: string; addr: string; ageSec: number }[];
  run?: {
    runId: string;
    state: string;
    outDir: string;
    enqueued: number;
    /** Source jobs of this run finished / still to do / failed after all attempts. */
    processed: number;
    unprocessed: number;
    failedJobs: number;
    /** State of the pack job: waiting-children, waiting, active, completed, failed. */
    pack: string;
  };
}

/** Queue depth, workers and (with a run id) the run's own progress, for `clipmill status --queue`. */
export async function queueStatus(queueUrl: string, runId?: string): Promise<QueueStatus> {
  const connection = redisOptions(queueUrl);
  const sourcesQueue = new Queue(SOURCES_QUEUE, { connection });
  const packQueue = new Queue(PACK_QUEUE, { connection });
  const redis = openRedis(queueUrl);
  try {
    const counts = await sourcesQueue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const workers = await sourcesQueue.getWorkers();
    const status: QueueStatus = {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      delayed: counts.delayed ?? 0,
      workers: workers.map((w) => ({ name: String(w.name ?? ''), addr: String(w.addr ?? ''), ageSec: Number(w.age ?? 0) })),
    };
    if (runId) {
      const h = await redis.hgetall(runKey(runId));
      if (!h.outDir) throw new FatalError(`no run ${runId} in ${queueUrl}`);
      const pack = await packQueue.getJob(packJobId(runId));
      const deps = pack ? await pack.getDependenciesCount({ processed: true, unprocessed: true, ignored: true }) : {};
      status.run = {
        runId, state: h.state ?? 'unknown', outDir: h.outDir, enqueued: Number(h.enqueued ?? 0),
        processed: deps.processed ?? 0, unprocessed: deps.unprocessed ?? 0, failedJobs: deps.ignored ?? 0,
        pack: pack ? await pack.getState() : 'none',
      };
    }
    return status;
  } finally {
    await Promise.allSettled([sourcesQueue.close(), packQueue.close()]);
    redis.disconnect();
  }
}
