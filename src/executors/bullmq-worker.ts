/**
 * The distributed executor, worker side: BullMQ workers that take source jobs and pack jobs of any
 * run from the queue. Delivery is at least once: a worker killed mid-task leaves its job locked
 * until the lock expires, then another worker takes it again. That is safe because a task clears
 * its clip directory first and writes its record atomically last. Finished sources are committed
 * into parts by the worker that made their clips (worker-parts.ts); a run's pack job waits until
 * every worker has committed its share (or died) before it reduces.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Worker, WaitingError, type Job } from 'bullmq';
import type { RunConfig } from '../config/schema.js';
import type { PartCollector } from '../pack/part-writer.js';
import { OutputDir } from '../store/output.js';
import type { Source, SourceRecord } from '../types.js';
import { needsRedo } from '../store/output.js';
import { type PackJobData, type PackJobResult, type SourceJobData, type SourceJobResult } from './bullmq.js';
import { checkedPackJob, checkedSourceJob, trustedRun, type WorkerSettings } from './job-trust.js';
import { openRedis, PACK_QUEUE, readRunMeta, redisOptions, type RunMeta, SOURCES_QUEUE } from './redis.js';
import { PartLeases } from './part-leases.js';
import { WorkerParts } from './worker-parts.js';

/** What a worker knows about the run a job belongs to. */
export interface RunContext {
  runId: string;
  out: OutputDir;
  cfg: RunConfig;
  enqueuedAt?: string;
  /** An s3:// output: `out` is this worker's staging folder of it, published there by store/s3-worker.ts. */
  publishTo?: string;
}

/** The work itself, kept apart so the queue layer can be tested and measured with any task. */
export interface QueueTasks {
  /** Processes one source; must leave its record in `run.out` (see processSource). */
  source(source: Source, run: RunContext, signal: AbortSignal): Promise<SourceRecord>;
  /** Reduces a finished run's parts to the dataset. */
  pack(run: RunContext): Promise<PackJobResult>;
  /** A job came back whose source already has its record here (the worker died before the ack). */
  redelivered?(record: SourceRecord, run: RunContext): Promise<void>;
  /**
   * A collector of this worker's parts of the run, which finished sources (their records written)
   * are staged into (worker-parts.ts); `owns` is its PartWriterOptions.owns (false once this
   * worker's lease on the run lapsed).
   */
  collector?(run: RunContext, owns: () => Promise<boolean>): PartCollector;
}

export interface QueueWorkerOptions {
  queueUrl: string;
  /** Source jobs processed at once by this process. */
  concurrency: number;
  tasks: QueueTasks;
  /** The worker's own output root, programs and files; runs from Redis are checked against them (job-trust.ts). */
  settings: WorkerSettings;
  /**
   * How long a job stays locked to a worker that stopped renewing it (killed, frozen) before
   * another worker takes it again. Renewed every half of it while the worker is alive.
   */
  lockMs?: number;
  /** How long none of a run's jobs runs here before this worker commits what it staged of the run (default 2 s). */
  idleCommitMs?: number;
  log?: (message: string) => void;
}

export interface QueueWorker {
  /**
   * Stops taking jobs. By default waits for the running ones to finish; with `release`, stops
   * them and puts them back in the queue at once for another worker.
   */
  close(opts?: { release?: boolean }): Promise<void>;
}

/** How often running jobs check whether their run was cancelled. */
const CANCEL_POLL_MS = 2000;
const IDLE_COMMIT_MS = 2000;

interface Running {
  runId: string;
  controller: AbortController;
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const connection = redisOptions(opts.queueUrl);
  const redis = openRedis(opts.queueUrl);
  const log = opts.log ?? (() => {});
  const running = new Map<string, Running>();
  const lockDuration = opts.lockMs ?? 30_000;
  const common = {
    connection,
    lockDuration,
    stalledInterval: lockDuration,
    // A job may be orphaned by more than one crash before it counts as failed.
    maxStalledCount: 3,
    name: `${os.hostname()}:${process.pid}`,
  };
  const leases = new PartLeases(redis, `${common.name}:${randomBytes(4).toString('hex')}`, lockDuration, (err) => log(`part lease: ${err.message}`));
  const parts = new WorkerParts(opts.tasks, leases, opts.idleCommitMs ?? IDLE_COMMIT_MS, log);

  const processSourceJob = async (job: Job<SourceJobData, SourceJobResult>, token?: string): Promise<SourceJobResult> => {
    const { runId, source } = checkedSourceJob(job.data);
    const meta = await readRunMeta(redis, runId);
    if (!meta || meta.state === 'cancelled') return { status: 'cancelled' };
    const run = await runContext(runId, meta, opts.settings);
    // A redelivered job whose task already finished (the worker died between record and ack).
    const earlier = await run.out.readRecord(source.id);
    if (earlier && (!needsRedo(earlier) || Date.parse(earlier.finishedAt) >= job.timestamp)) {
      await opts.tasks.redelivered?.(earlier, run);
      return { status: earlier.status };
    }

    const controller = new AbortController();
    running.set(job.id!, { runId, controller });
    parts.jobStarted(runId);
    try {
      const record = await opts.tasks.source(source, run, controller.signal);
      // Into S3 the coordinator commits every part (its sweep, after pulling what workers published):
      // a worker committing on idle could race it.
      if (!run.publishTo) await parts.stage(record, run);
      return { status: record.status };
    } catch (err) {
      if (controller.signal.reason === CANCELLED) return { status: 'cancelled' };
      if (controller.signal.reason === RELEASED) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw err;
    } finally {
      running.delete(job.id!);
      parts.jobEnded(runId);
    }
  };

  const processPackJob = async (job: Job<PackJobData, PackJobResult>): Promise<PackJobResult> => {
    const { runId } = checkedPackJob(job.data);
    const meta = await readRunMeta(redis, runId);
    if (!meta || meta.state === 'cancelled') return { cancelled: true };
    const run = await runContext(runId, meta, opts.settings);
    if (run.publishTo) log(`every source of run ${runId} is done; its coordinator packs ${run.publishTo}`);
    else {
      // Every worker's finished sources committed first (a killed worker's: once its lease lapsed; the sweep takes them).
      await parts.settle(runId);
      log(`packing run ${runId} in ${run.out.root}`);
    }
    const result = await opts.tasks.pack(run);
    if (!run.publishTo) log(`packed run ${runId}: ${result.clipsKept ?? 0} clips in ${result.shards ?? 0} shards`);
    return result;
  };

  const sourceWorker = new Worker<SourceJobData, SourceJobResult>(SOURCES_QUEUE, processSourceJob, {
    ...common, concurrency: Math.max(1, opts.concurrency),
  });
  const packWorker = new Worker<PackJobData, PackJobResult>(PACK_QUEUE, processPackJob, { ...common, concurrency: 1 });
  for (const w of [sourceWorker, packWorker]) {
    w.on('failed', (job, err) => {
      if (job && !(err instanceof WaitingError)) log(`job ${job.id} failed (attempt ${job.attemptsMade}): ${err.message}`);
    });
    w.on('error', (err) => log(`queue error: ${err.message}`));
  }

  const cancelWatch = setInterval(() => void abortCancelled(), CANCEL_POLL_MS);
  async function abortCancelled(): Promise<void> {
    const runIds = new Set([...running.values()].map((r) => r.runId));
    for (const runId of runIds) {
      if ((await readRunMeta(redis, runId).catch(() => undefined))?.state !== 'cancelled') continue;
      for (const r of running.values()) if (r.runId === runId) r.controller.abort(CANCELLED);
    }
  }

  await Promise.all([sourceWorker.waitUntilReady(), packWorker.waitUntilReady()]);
  return {
    async close(closeOpts = {}) {
      clearInterval(cancelWatch);
      if (closeOpts.release) for (const r of running.values()) r.controller.abort(RELEASED);
      await Promise.all([sourceWorker.close(), packWorker.close()]);
      await parts.close();
      redis.disconnect();
    },
  };
}

const CANCELLED = new Error('run cancelled');
const RELEASED = new Error('worker stopping; job released');

/** Run contexts are rebuilt only when the run's settings change (a re-enqueue with other flags). */
const contexts = new Map<string, { key: string; context: RunContext }>();
async function runContext(runId: string, meta: RunMeta, settings: WorkerSettings): Promise<RunContext> {
  const key = JSON.stringify([meta.outDir, meta.cfg, meta.sig]);
  const cached = contexts.get(runId);
  if (cached?.key === key) return cached.context;
  const { outDir, cfg, publishTo } = await trustedRun(runId, meta, settings);
  const context: RunContext = { runId, out: new OutputDir(outDir), cfg, enqueuedAt: meta.enqueuedAt, publishTo };
  contexts.set(runId, { key, context });
  return context;
}
