/**
 * A HostGate shared by every worker of a distributed run, kept in Redis: per host, a sorted set of
 * leases (one per download in flight, scored by expiry so a killed worker's lease lapses), the
 * earliest time the next request may start (rate), and a host-wide pause. All decisions are made
 * in Lua scripts against Redis's own clock, so workers on machines with skewed clocks still agree.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { HostGate, HostLimits, Release } from './politeness.js';

/** A lease lapses if its holder stops renewing it for this long (the holder renews every third of it). */
const LEASE_TTL_MS = 15_000;
/** Longest sleep between tries while a host is busy (a release elsewhere is not signalled). */
const BUSY_POLL_MS = 100;

/**
 * KEYS: leases, next-start, pause. ARGV: lease id, concurrency, interval ms, lease ttl ms.
 * Returns 0 when the lease was taken, else the milliseconds to wait before trying again.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pause = tonumber(redis.call('GET', KEYS[3]) or '0')
if pause > now then return pause - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local nextStart = tonumber(redis.call('GET', KEYS[2]) or '0')
if nextStart > now then return nextStart - now end
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
local interval = tonumber(ARGV[3])
if interval > 0 then redis.call('SET', KEYS[2], now + interval, 'PX', interval) end
return 0
`;

/** KEYS: leases. ARGV: lease id, ttl ms. Pushes the lease's expiry forward if it is still held. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** KEYS: pause. ARGV: pause length ms. Never shortens a longer pause. Returns the pause end (Redis clock). */
const PENALIZE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1])) end
return 0
`;

/** KEYS: pause. Returns milliseconds of pause left (0 when none). */
const PAUSE_LEFT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return pause - now end
return 0
`;

export class RedisHostGate implements HostGate {
  private readonly interval: number;

  /** `prefix` namespaces the keys, e.g. per deployment; every worker must use the same one. */
  constructor(
    private readonly redis: Redis,
    private readonly limits: HostLimits,
    private readonly prefix = 'clipmill:host',
  ) {
    this.interval = limits.rps > 0 ? Math.ceil(1000 / limits.rps) : 0;
  }

  async acquire(host: string, signal?: AbortSignal): Promise<Release> {
    const lease = randomBytes(8).toString('hex');
    const keys = this.keys(host);
    for (;;) {
      signal?.throwIfAborted();
      const wait = Number(await this.redis.eval(ACQUIRE, 3, keys.leases, keys.next, keys.pause,
        lease, this.limits.concurrency, this.interval, LEASE_TTL_MS));
      if (wait === 0) return this.holder(keys.leases, lease);
      // Busy hosts are polled with jitter so waiting workers do not retry in lockstep.
      const ms = wait < 0 ? BUSY_POLL_MS * (0.5 + Math.random()) : Math.min(wait, 5000);
      await delay(ms, signal);
    }
  }

  async penalize(host: string, untilMs: number): Promise<void> {
    const ms = Math.ceil(untilMs - Date.now());
    if (ms > 0) await this.redis.eval(PENALIZE, 1, this.keys(host).pause, ms);
  }

  async pausedUntil(host: string): Promise<number> {
    const left = Number(await this.redis.eval(PAUSE_LEFT, 1, this.keys(host).pause));
    return left > 0 ? Date.now() + left : 0;
  }

  private keys(host: string): { leases: string; next: string; pause: string } {
    const base = `${this.prefix}:{${host}}`;
    return { leases: `${base}:leases`, next: `${base}:next`, pause: `${base}:pause` };
  }

  /** The release of a taken lease, which keeps the lease alive until it is called. */
  private holder(leasesKey: string, lease: string): Release {
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, leasesKey, lease, LEASE_TTL_MS).catch(() => {});
    }, LEASE_TTL_MS / 3);
    renew.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      this.redis.zrem(leasesKey, lease).catch(() => {});
    };
  }
}

/** Sleeps, or rejects with the signal's reason when it is aborted first. */
async function delay(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => signal?.throwIfAborted());
}
