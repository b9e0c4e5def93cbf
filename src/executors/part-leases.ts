/**
 * Leases of the workers that hold staged sources of a run, in Redis: a sorted set per run of
 * worker name -> lease expiry (ms on Redis's clock), renewed while the worker lives. A run's
 * pack job sweeps the output (committing every marked source no part holds) only once no other
 * worker holds a lease on it: the live ones have committed what they staged, the dead ones'
 * leases have lapsed. Without this, the sweep would commit sources a live worker is committing too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const leasesKey = (runId: string): string => `clipmill:run:${runId}:writers`;
const POLL_MS = 250;

async function redisNowMs(redis: Redis): Promise<number> {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

export class PartLeases {
  private readonly held = new Set<string>();
  private readonly renewal: NodeJS.Timeout;

  /** `leaseMs`: how long a lease outlives its last renewal (renewed every third of it). */
  constructor(readonly redis: Redis, readonly name: string, readonly leaseMs: number, onError: (err: Error) => void = () => {}) {
    this.renewal = setInterval(() => void this.renew().catch(onError), Math.max(100, Math.floor(leaseMs / 3)));
    this.renewal.unref();
  }

  /** Holds (or renews) this worker's lease on the run. */
  async hold(runId: string): Promise<void> {
    this.held.add(runId);
    await this.redis.zadd(leasesKey(runId), (await redisNowMs(this.redis)) + this.leaseMs, this.name);
  }

  async release(runId: string): Promise<void> {
    this.held.delete(runId);
    await this.redis.zrem(leasesKey(runId), this.name);
  }

  private async renew(): Promise<void> {
    for (const runId of this.held) await this.hold(runId);
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
