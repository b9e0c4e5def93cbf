/**
 * Leases of the workers that hold staged sources of a run, in Redis: a sorted set per run of
 * worker name -> lease expiry (ms on Redis's clock), renewed while the worker lives. A run's
 * pack job sweeps the output (committing every marked source no part holds) only once no other
 * worker holds a lease on it: the live ones have committed what they staged, the dead ones'
 * leases have lapsed. Without this, the sweep would commit sources a live worker is committing too.
 *
 * A lease that lapsed is never renewed (a worker frozen past it may find the sweep has taken its
 * sources over): `renew` fails, the lease is forgotten and `onLost` hears of it, so the worker
 * drops what it staged under it; it takes a new lease only for sources it finishes afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const leasesKey = (runId: string): string => `clipmill:run:${runId}:writers`;
const POLL_MS = 250;

/** Extends the worker's lease (ARGV[1]) by ARGV[2] ms if it is still live on Redis's clock; 1 if it was. */
const RENEW_IF_LIVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry or tonumber(expiry) <= now then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`;

async function redisNowMs(redis: Redis): Promise<number> {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

export class PartLeases {
  private readonly held = new Set<string>();
  private readonly renewal: NodeJS.Timeout;
  /** Hears of each held lease found lapsed (once per lease). */
  onLost: (runId: string) => void = () => {};

  /** `leaseMs`: how long a lease outlives its last renewal (renewed every third of it). */
  constructor(readonly redis: Redis, readonly name: string, readonly leaseMs: number, onError: (err: Error) => void = () => {}) {
    this.renewal = setInterval(() => void this.renewAll().catch(onError), Math.max(100, Math.floor(leaseMs / 3)));
    this.renewal.unref();
  }

  /** Takes a new lease on the run for this worker. */
  async take(runId: string): Promise<void> {
    await this.redis.zadd(leasesKey(runId), (await redisNowMs(this.redis)) + this.leaseMs, this.name);
    this.held.add(runId);
  }

  /** Renews this worker's lease on the run if it holds one that is still live; false otherwise (a lapsed one is forgotten). */
  async renew(runId: string): Promise<boolean> {
    if (!this.held.has(runId)) return false;
    const live = (await this.redis.eval(RENEW_IF_LIVE, 1, leasesKey(runId), this.name, this.leaseMs)) === 1;
    if (!live && this.held.delete(runId)) this.onLost(runId);
    return live;
  }

  async release(runId: string): Promise<void> {
    this.held.delete(runId);
    await this.redis.zrem(leasesKey(runId), this.name);
  }

  private async renewAll(): Promise<void> {
    for (const runId of [...this.held]) await this.renew(runId);
  }

  /** Waits until no other worker holds a live lease on the run; lapsed leases are dropped. */
  async othersDone(runId: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      await this.redis.zremrangebyscore(leasesKey(runId), '-inf', await redisNowMs(this.redis));
      const holders = await this.redis.zrange(leasesKey(runId), 0, -1);
      if (holders.every((holder) => holder === this.name)) return;
      await sleep(POLL_MS, undefined, { signal });
    }
  }

  stop(): void {
    clearInterval(this.renewal);
  }
}
