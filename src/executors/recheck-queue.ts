/**
 * `clipmill recheck --queue`: one small BullMQ job per source (what to ask and how politely), taken
 * by `clipmill worker` processes, which ask the origin under the host gate shared through Redis
 * and return the answer. The recheck command itself keeps the output directory: it writes the
 * log and does the takedowns, so workers need no access to the dataset for a recheck. Jobs and
 * answers carry an HMAC with CLIPMILL_QUEUE_SECRET: a worker asks only what a holder of the secret
 * enqueued, and an answer not signed by a worker (a forged "gone") counts as unknown, never a takedown.
 */
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { FetchConfig, type RunConfig } from '../config/schema.js';
import { RedisHostGate } from '../fetch/redis-gate.js';
import { checkOrigin, type OriginCheck, type OriginCheckContext, type RecheckTarget } from '../policy/recheck-origin.js';
import { recheck, type RecheckOptions, type RecheckReport } from '../policy/recheck.js';
import { openRedis, redisOptions } from './redis.js';
import { queueSecret, signValue, verifySignature } from './job-trust.js';

export const RECHECK_QUEUE = 'clipmill-recheck';

export interface RecheckJobData {
  target: RecheckTarget;
  fetch: FetchConfig;
  policy: OriginCheckContext['policy'];
  /** HMAC of [job id, target, fetch, policy]. */
  sig: string;
}

/** What a worker returns: the check, and the HMAC of [job id, check]. */
interface SignedCheck {
  check: OriginCheck;
  sig: string;
}

const UNSIGNED: OriginCheck = { outcome: 'unknown', reason: 'the answer was not signed with the queue secret' };

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
  const secret = queueSecret();
  const connection = redisOptions(queueUrl);
  const redis = openRedis(queueUrl);
  let since: string;
  try {
    since = await lastEventId(redis);
  } finally {
    redis.disconnect();
  }
  const queue = new Queue<RecheckJobData, SignedCheck>(RECHECK_QUEUE, { connection });
  const events = new QueueEvents(RECHECK_QUEUE, { connection, lastEventId: since });
  const pending = new Map<string, (check: OriginCheck) => void>();
  const settle = (jobId: string, check: OriginCheck): void => {
    pending.get(jobId)?.(check);
    pending.delete(jobId);
  };
  events.on('completed', ({ jobId, returnvalue }) => {
    const answer = returnvalue as unknown as Partial<SignedCheck> | null;
    settle(jobId, answer?.check && verifySignature([jobId, answer.check], answer.sig, secret) ? answer.check : UNSIGNED);
  });
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
      const sig = signValue([jobId, target, settings.fetch, settings.policy], secret);
      queue.add('recheck', { ...settings, target, sig }, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: { count: 1000 } }).catch(reject);
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
  /** CLIPMILL_QUEUE_SECRET: jobs must be signed with it, answers are. */
  secret: string;
  /** The worker's own yt-dlp: never the one a job names. */
  ytDlpPath: string;
  allowPrivateNetwork?: boolean;
}): Promise<{ close(): Promise<void> }> {
  const worker = new Worker<RecheckJobData, SignedCheck>(
    RECHECK_QUEUE,
    async (job) => {
      const { target, fetch: fetchData, policy, sig } = job.data;
      if (!verifySignature([job.id, target, fetchData, policy], sig, opts.secret)) {
        throw new UnrecoverableError('recheck job not signed with this worker\'s CLIPMILL_QUEUE_SECRET');
      }
      const fetch = { ...FetchConfig.parse(fetchData), ytDlpPath: opts.ytDlpPath };
      const gate = new RedisHostGate(opts.gateRedis, { concurrency: fetch.perHostConcurrency, rps: fetch.perHostRps });
      const check = await checkOrigin(target, { fetch, policy, gate, allowPrivateNetwork: opts.allowPrivateNetwork });
      return { check, sig: signValue([job.id, check], opts.secret) };
    },
    { connection: redisOptions(opts.queueUrl), concurrency: WORKER_CONCURRENCY },
  );
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}
