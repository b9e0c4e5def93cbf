/**
 * Enqueueing a run: one BullMQ job per pending source and a pack job that waits for all of them
 * (a flow: the pack job is the parent of the source jobs). The output directory stays the source
 * of truth: sources with a record are not enqueued again (pendingSources, as in a local run).
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, Job, Queue } from 'bullmq';
import type { RunProgress } from '../cli/progress.js';
import type { RunConfig } from '../config/schema.js';
import { FatalError } from '../errors.js';
import { OutputDir } from '../store/output.js';
import type { Source } from '../types.js';
import { PACK_JOB_OPTS, SOURCE_JOB_OPTS, type PackJobData, type SourceJobData } from './bullmq-jobs.js';
import { pendingSources, type PendingTally } from './pending.js';
import { HOLD_QUEUE, holdJobId, openRedis, PACK_QUEUE, packJobId, redisOptions, runKey, runOfJob, SOURCES_QUEUE, sourceJobId } from './redis.js';
import { signRun } from './job-trust.js';
import { readStats } from '../pack/index.js';
import { mixPriority } from '../pack/mix-priority.js';

/** Source jobs added per round trip; a flow of millions of children is built in batches. */
const ADD_BATCH = 500;
/**
 * Jobs waiting in the source queue at most before enqueueing pauses. A waiting job costs Redis
 * about 1.7 KB (bench/queue), so a manifest of 38 million rows enqueued at once would need tens of
 * GB; with the window Redis holds at most this many waiting jobs, whatever the manifest's length.
 */
export const DEFAULT_QUEUE_WINDOW = 100_000;
const WINDOW_POLL_MS = 500;

export interface EnqueueOptions {
  queueUrl: string;
  runId: string;
  inputs: string[];
  /** Must be the same path on every worker (shared storage), unless `publishTo` is given. */
  outDir: string;
  /** The output as the workers see it when they do not share `outDir`: an s3:// URI they publish to. */
  publishTo?: string;
  cfg: RunConfig;
  /** Receives seen / skipped / bad-row counts as inputs are read. */
  progress?: RunProgress;
  /** Called with each batch of source ids just before their jobs are added. */
  onEnqueue?: (sourceIds: string[]) => void;
  /** Waiting source jobs at most (default DEFAULT_QUEUE_WINDOW): enqueueing pauses until workers take some. */
  window?: number;
  /** Stops enqueueing (while it waits for the window, too). */
  signal?: AbortSignal;
}

/** Seen, skipped (finished by an earlier run) and bad-row counts, and the jobs added. */
export interface EnqueueResult extends PendingTally {
  runId: string;
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
    // The settings travel signed: a worker runs only what someone holding CLIPMILL_QUEUE_SECRET enqueued.
    const cfgJson = JSON.stringify(opts.cfg);
    const workerOut = opts.publishTo ?? out.root;
    await redis.hset(runKey(runId), {
      outDir: workerOut, cfg: cfgJson, sig: signRun(runId, workerOut, cfgJson), inputs: JSON.stringify(opts.inputs),
      state: 'enqueuing', enqueuedAt: new Date().toISOString(),
    });
    await removeFailedJobs(sourcesQueue, runId);
    await flows.add({
      name: 'pack', queueName: PACK_QUEUE, data: { runId }, opts: { ...PACK_JOB_OPTS, jobId: packJobId(runId) },
      children: [{ name: 'hold', queueName: HOLD_QUEUE, data: { runId }, opts: { jobId: holdJobId(runId) } }],
    });

    const parent = { id: packJobId(runId), queue: packQueue.qualifiedName };
    // With content-mix targets, sources predicted to fill a category still below its target go first.
    const achieved = Object.fromEntries(Object.entries((await readStats(out.root))?.mix?.by_category ?? {}).map(([c, e]) => [c, e.achieved]));
    let batch: Source[] = [];
    const window = opts.window ?? DEFAULT_QUEUE_WINDOW;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await waitForRoom(sourcesQueue, window - batch.length, opts.signal);
      opts.onEnqueue?.(batch.map((s) => s.id));
      await sourcesQueue.addBulk(batch.map((source) => ({
        name: 'source', data: { runId, source },
        opts: { ...SOURCE_JOB_OPTS, jobId: sourceJobId(runId, source.id), parent, priority: mixPriority(source, opts.cfg, achieved) },
      })));
      result.enqueued += batch.length;
      batch = [];
    };
    for await (const source of pendingSources(out, opts.inputs, opts.cfg, progress, result)) {
      batch.push(source);
      if (batch.length >= Math.min(ADD_BATCH, window)) await flush();
    }
    await flush();
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

/** Returns once the source queue holds at most `room` waiting jobs (never blocks a batch larger than the window). */
async function waitForRoom(queue: Queue, room: number, signal: AbortSignal | undefined): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const waiting = await queue.getJobCountByTypes('wait', 'paused', 'prioritized');
    if (waiting <= Math.max(room, 0)) return;
    await sleep(WINDOW_POLL_MS, undefined, { signal });
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

