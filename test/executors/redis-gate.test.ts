/**
 * The Redis host gate as two workers see it: two gates on separate connections share one host's
 * rate and concurrency, and a penalty set by one pauses the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisHostGate } from '../../src/fetch/redis-gate.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

describe('RedisHostGate', () => {
  let server: TestRedis;
  let a: Redis;
  let b: Redis;

  before(async () => {
    server = await startRedis();
    a = new Redis(server.url);
    b = new Redis(server.url);
  });
  after(async () => {
    a?.disconnect();
    b?.disconnect();
    await server?.stop();
  });

  it('spaces request starts by 1/rps across gates, on Redis\'s clock', async () => {
    const rps = 10;
    const gates = [new RedisHostGate(a, { concurrency: 10, rps }), new RedisHostGate(b, { concurrency: 10, rps })];
    // Each grant sets the host's next start to its own time on Redis's clock plus the interval;
    // MONITOR shows every such SET in the order Redis ran them. (Times taken by the callers once
    // their grant came back would also measure how late each reply was handled on a busy machine.)
    const monitor = await new Redis(server.url, { lazyConnect: true }).monitor();
    const nextStarts: number[] = [];
    let sawEnd!: () => void;
    const ended = new Promise<void>((resolve) => (sawEnd = resolve));
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0] === 'SET' && args[1]?.endsWith('{rate.example}:next')) nextStarts.push(Number(args[2]));
      if (args[0] === 'echo' && args[1] === 'end of grants') sawEnd();
    });
    try {
      await Promise.all(gates.flatMap((gate) => Array.from({ length: 4 }, async () => (await gate.acquire('rate.example'))())));
      await a.echo('end of grants');
      await ended;
    } finally {
      monitor.disconnect();
    }
    assert.equal(nextStarts.length, 8);
    const gaps = nextStarts.slice(1).map((t, i) => t - nextStarts[i]!);
    assert.ok(Math.min(...gaps) >= 1000 / rps, `gaps ${gaps.join(', ')} ms`);
  });

  it('holds the per-host concurrency across gates', async () => {
    const gates = [new RedisHostGate(a, { concurrency: 2, rps: 0 }), new RedisHostGate(b, { concurrency: 2, rps: 0 })];
    let inFlight = 0;
    let most = 0;
    await Promise.all(gates.flatMap((gate) => Array.from({ length: 4 }, async () => {
      const release = await gate.acquire('busy.example');
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      release();
    })));
    assert.equal(most, 2);
  });

  it('a penalty from one gate pauses the host for the other', async () => {
    const one = new RedisHostGate(a, { concurrency: 2, rps: 0 });
    const other = new RedisHostGate(b, { concurrency: 2, rps: 0 });
    const until = Date.now() + 300;
    await one.penalize('slow.example', until);
    await one.penalize('slow.example', Date.now() + 50); // a shorter pause never shortens it
    assert.ok((await other.pausedUntil('slow.example')) >= until - 50);
    const release = await other.acquire('slow.example');
    assert.ok(Date.now() >= until - 50, 'acquired before the pause ended');
    release();
  });

  it('an abandoned wait rejects with the abort reason', async () => {
    const gate = new RedisHostGate(a, { concurrency: 1, rps: 0 });
    const held = await gate.acquire('held.example');
    const controller = new AbortController();
    const waiting = gate.acquire('held.example', controller.signal);
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    held();
  });
});
