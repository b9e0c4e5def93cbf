/**
 * Redis plumbing shared by the queue executor, the workers and the shared host gate: how a
 * `redis://` URL becomes a connection, the queue names, and where a run's settings live.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { FatalError } from '../errors.js';

/** Per-source jobs. */
export const SOURCES_QUEUE = 'clipmill-sources';
/** One pack job per run: the parent of the run's source jobs (a BullMQ flow). */
export const PACK_QUEUE = 'clipmill-pack';
/** Holds a run's pack job back while its source jobs are still being added; no worker reads it. */
export const HOLD_QUEUE = 'clipmill-hold';

/** Connection options for a `redis://[user:password@]host[:port][/db]` (or `rediss://`) URL. */
export function redisOptions(queueUrl: string): RedisOptions {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    throw new FatalError('--queue must be a redis:// URL (redis://[user:password@]host[:port][/db])');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new FatalError(`--queue must be a redis:// or rediss:// URL, not ${url.protocol}//`);
  }
  const db = url.pathname.replace(/^\//, '');
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: db ? Number(db) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    // BullMQ workers block on Redis and must not give up on a command while it reconnects.
    maxRetriesPerRequest: null,
  };
}

/** A new connection; the caller quits it. */
export function openRedis(queueUrl: string): Redis {
  return new Redis(redisOptions(queueUrl));
}

/** Hash with a run's settings and enqueue tallies, written by the enqueuer, read by the workers. */
export function runKey(runId: string): string {
  return `clipmill:run:${runId}`;
}

export type RunState = 'enqueuing' | 'queued' | 'cancelled';

/** What every worker needs to process a run's jobs (stored once per run, not per job). */
export interface RunMeta {
  outDir: string;
  /** The run configuration as JSON (a parsed RunConfig). */
  cfg: string;
  state: RunState;
  enqueuedAt?: string;
  /** HMAC of the settings with CLIPMILL_QUEUE_SECRET (job-trust.ts): workers refuse runs without a valid one. */
  sig?: string;
}

export async function readRunMeta(redis: Redis, runId: string): Promise<RunMeta | undefined> {
  const h = await redis.hgetall(runKey(runId));
  if (!h.outDir || !h.cfg) return undefined;
  return { outDir: h.outDir, cfg: h.cfg, state: (h.state as RunState) ?? 'queued', enqueuedAt: h.enqueuedAt, sig: h.sig };
}

/**
 * Job ids: `<runId>.<sourceId>`, so adding the same source twice to a pending run is a no-op.
 * (BullMQ reserves ':' in custom ids.)
 */
export function sourceJobId(runId: string, sourceId: string): string {
  return `${runId}.${sourceId}`;
}
export function packJobId(runId: string): string {
  return `${runId}.pack`;
}
export function holdJobId(runId: string): string {
  return `${runId}.hold`;
}
/** The run a job id belongs to. */
export function runOfJob(jobId: string): string {
  return jobId.slice(0, jobId.indexOf('.'));
}
