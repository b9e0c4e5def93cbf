/**
 * `clipmill recheck --queue`: one small BullMQ job per source (what to ask and how politely), taken
 * by `clipmill worker` processes, which ask the origin under the host gate shared through Redis
 * and return the answer. The recheck command itself keeps the output directory: it writes the
 * log and does the takedowns, so workers need no access to the dataset for a recheck.
 */
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { FetchConfig, type RunConfig } from '../config/schema.js';
import { RedisHostGate } from '../fetch/redis-gate.js';
import { checkOrigin, type OriginCheck, type OriginCheckContext, type RecheckTarget } from '../policy/recheck-origin.js';
import { recheck, type RecheckOptions, type RecheckReport } from '../policy/recheck.js';
import { openRedis, redisOptions } from './redis.js';

export const RECHECK_QUEUE = 'clipmill-recheck';

export interface RecheckJobData {
  target: RecheckTarget;
  fetch: FetchConfig;
  policy: OriginCheckContext['policy'];
}

/** Checks in flight at once from one recheck command; the workers' host gate decides what each host sees. */
const QUEUE_WINDOW = 500;
/** Checks one worker process runs at once: they mostly wait on the network. */
const WORKER_CONCURRENCY = 16;

/** The id of the newest event of the recheck queue, so a listener sees everything after it. */
async function lastEventId(redis: Redis): Promise<string> {
  const newest = await redis.xrevrange(`bull:${RECHECK_QUEUE}:events`, '+', '-', 'COUNT', 1);
  return newest[0]?.[0] ?? '0-0';
}

export async function recheckOnQueue(
  outDir: string,
  queueUrl: string,
  cfg: RunConfig,
  options: Omit<RecheckOptions, 'check' | 'concurrency'>,
): Promise<RecheckReport> {
  const connection = redisOptions(queueUrl);
  const redis = openRedis(queueUrl);
  let since: string;
  try {
    since = await lastEventId(redis);
  } finally {
    redis.disconnect();
  }
  const queue = new Queue<RecheckJobData, OriginCheck>(RECHECK_QUEUE, { connection });
  const events = new QueueEvents(RECHECK_QUEUE, { connection, lastEventId: since });
  const pending = new Map<string, (check: OriginCheck) => void>();
  const settle = (jobId: string, check: OriginCheck): void => {
    pending.get(jobId)?.(check);
    pending.delete(jobId);
  };
  events.on('completed', ({ jobId, returnvalue }) => settle(jobId, returnvalue as unknown as OriginCheck));
  // A job fails only when the worker's machinery did (e.g. yt-dlp missing there): no answer from the origin.
  events.on('failed', ({ jobId, failedReason }) => settle(jobId, { outcome: 'unknown', reason: `the queue job failed: ${failedReason}` }));
  const runId = randomBytes(6).toString('hex');
  const { honorRobotsTag, robotsTagDirectives } = cfg.policy;
  const settings = { fetch: cfg.fetch, policy: { honorRobotsTag, robotsTagDirectives } };
  const check = (target: RecheckTarget, signal: AbortSignal): Promise<OriginCheck> =>
    new Promise((resolve, reject) => {
      const jobId = `${runId}.${target.id}`;
      pending.set(jobId, resolve);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      queue.add('recheck', { ...settings, target }, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: { count: 1000 } }).catch(reject);
    });
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return await recheck(outDir, { ...options, concurrency: QUEUE_WINDOW, check });
  } finally {
    await Promise.allSettled([queue.close(), events.close()]);
  }
}

/** The recheck side of `clipmill worker`: answers recheck jobs under the shared host gate. */
export async function startRecheckWorker(opts: {
  queueUrl: string;
  gateRedis: Redis;
  /** The worker's own yt-dlp: never the one a job names. */
  ytDlpPath: string;
  allowPrivateNetwork?: boolean;
}): Promise<{ close(): Promise<void> }> {
  const worker = new Worker<RecheckJobData, OriginCheck>(
    RECHECK_QUEUE,
    async (job) => {
      const fetch = { ...FetchConfig.parse(job.data.fetch), ytDlpPath: opts.ytDlpPath };
      const gate = new RedisHostGate(opts.gateRedis, { concurrency: fetch.perHostConcurrency, rps: fetch.perHostRps });
      return checkOrigin(job.data.target, { fetch, policy: job.data.policy, gate, allowPrivateNetwork: opts.allowPrivateNetwork });
    },
    { connection: redisOptions(opts.queueUrl), concurrency: WORKER_CONCURRENCY },
  );
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}
