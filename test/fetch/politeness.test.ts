import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { fetchSource } from '../../src/fetch/index.js';
import { LocalHostGate, type Release } from '../../src/fetch/politeness.js';
import { httpSource, LOOPBACK, startServer, testConfig } from './server.js';

const payload = Buffer.alloc(4096, 7);

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-polite-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The in-process gate, watched from inside: when it granted each slot, how many acquires wait in
 * it, and the first pause it took (as it reads back right after). The tests judge these instead of
 * times a busy machine could have shifted between the gate and the server.
 */
class WatchedGate extends LocalHostGate {
  readonly grants: number[] = [];
  waiting = 0;
  /** Called whenever an acquire starts waiting. */
  onWaiting = (): void => {};
  readonly firstPause: Promise<number>;
  private paused!: (untilMs: number) => void;

  constructor(limits: ConstructorParameters<typeof LocalHostGate>[0]) {
    super(limits);
    this.firstPause = new Promise((resolve) => (this.paused = resolve));
  }

  override async acquire(host: string, signal?: AbortSignal): Promise<Release> {
    this.waiting++;
    this.onWaiting();
    try {
      const release = await super.acquire(host, signal);
      // In the same turn as the grant: nothing else ran in between.
      this.grants.push(Date.now());
      return release;
    } finally {
      this.waiting--;
    }
  }

  override async penalize(host: string, untilMs: number): Promise<void> {
    await super.penalize(host, untilMs);
    this.paused(await this.pausedUntil(host));
  }
}

/** The first pause of `gate`, or 0 when `work` ends before the gate took one. */
const firstPause = (gate: WatchedGate, work: Promise<unknown>): Promise<number> => Promise.race([gate.firstPause, work.then(() => 0)]);

describe('host politeness', () => {
  it('backs off a whole host after a 429 with Retry-After, then succeeds', async () => {
    let rejectedAt = 0;
    const server = await startServer((_q, res, i) => {
      if (i === 0) {
        rejectedAt = Date.now();
        return res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      }
      res.end(payload);
    });
    const gate = new WatchedGate({ concurrency: 4, rps: 0 });
    const cfg = testConfig();
    try {
      const first = fetchSource(httpSource(`${server.base}/a.mp4`, 'a'), dir, cfg, { ...LOOPBACK, gate });
      assert.ok((await firstPause(gate, first)) >= rejectedAt + 1000, 'the 429 paused the host for its Retry-After');
      // Started while the host is paused.
      const second = fetchSource(httpSource(`${server.base}/b.mp4`, 'b'), dir, cfg, { ...LOOPBACK, gate });
      const results = await Promise.all([first, second]);
      assert.deepEqual(results.map((r) => r.bytes), [payload.length, payload.length]);
      assert.equal(server.seen.length, 3);
      const after429 = server.seen.slice(1);
      assert.deepEqual(after429.map((s) => s.path).sort(), ['/a.mp4', '/b.mp4'], 'the other source waited too');
      for (const req of after429) {
        assert.ok(req.at - rejectedAt >= 800, `${req.path} came ${req.at - rejectedAt} ms after the 429`);
      }
    } finally {
      await server.close();
    }
  });

  it('pauses the host after a 503 without Retry-After, for the backoff delay', async () => {
    const server = await startServer((_q, res, i) => (i === 0 ? res.writeHead(503).end() : res.end(payload)));
    const gate = new WatchedGate({ concurrency: 2, rps: 0 });
    try {
      const fetching = fetchSource(httpSource(`${server.base}/a.mp4`, 'a'), dir, testConfig({ backoffSec: 0.4 }), { ...LOOPBACK, gate });
      const pausedUntil = await firstPause(gate, fetching);
      assert.ok(pausedUntil >= server.seen[0]!.at + 200, 'the 503 paused the host for at least half the backoff');
      assert.equal((await fetching).bytes, payload.length);
      assert.ok(server.seen[1].at - server.seen[0].at >= 150, 'the retry waited at least half the backoff');
    } finally {
      await server.close();
    }
  });

  it('fails fast with rate_limited when a host asks for longer than maxWaitSec', async () => {
    const server = await startServer((_q, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const gate = new LocalHostGate({ concurrency: 2, rps: 0 });
    const cfg = testConfig({ maxWaitSec: 5 });
    try {
      for (const id of ['a', 'b']) {
        await assert.rejects(fetchSource(httpSource(`${server.base}/${id}.mp4`, id), dir, cfg, { ...LOOPBACK, gate }), (err: unknown) => {
          assert.ok(err instanceof SourceError);
          assert.equal(err.code, ErrorCode.RateLimited);
          assert.equal(err.transient, true);
          return true;
        });
      }
      assert.equal(server.seen.length, 1, 'the second source of the paused host sent no request');
    } finally {
      await server.close();
    }
  });

  it('keeps at most perHostConcurrency requests in flight per host', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const gate = new WatchedGate({ concurrency: 2, rps: 0 });
    let answered = 0;
    let peak = 0;
    let held: ServerResponse[] = [];
    // Answers are held until every source not yet answered is at the server or waiting in the
    // gate: the server then sees at once all the requests the gate let through, at any load.
    const answerWhenAllPlaced = (): void => {
      if (held.length === 0 || held.length + gate.waiting < ids.length - answered) return;
      peak = Math.max(peak, held.length);
      const now = held;
      held = [];
      answered += now.length;
      for (const res of now) res.end(payload);
    };
    gate.onWaiting = answerWhenAllPlaced;
    const server = await startServer((_q, res) => {
      held.push(res);
      answerWhenAllPlaced();
    });
    try {
      await Promise.all(ids.map((id) => fetchSource(httpSource(`${server.base}/${id}.mp4`, id), dir, testConfig(), { ...LOOPBACK, gate })));
      assert.equal(server.seen.length, 5);
      assert.equal(peak, 2);
    } finally {
      await server.close();
    }
  });

  it('spaces request starts to perHostRps', async () => {
    const server = await startServer((_q, res) => res.end(payload));
    const gate = new WatchedGate({ concurrency: 4, rps: 5 });
    try {
      const ids = ['a', 'b', 'c', 'd'];
      await Promise.all(ids.map((id) => fetchSource(httpSource(`${server.base}/${id}.mp4`, id), dir, testConfig(), { ...LOOPBACK, gate })));
      // The grants are 200 ms apart; a request reaches the server only after its grant, however
      // late (so arrival times alone would also measure the machine's load).
      const grants = gate.grants;
      assert.equal(grants.length, ids.length);
      for (let i = 1; i < grants.length; i++) {
        assert.ok(grants[i]! - grants[i - 1]! >= 150, `gap ${grants[i]! - grants[i - 1]!} ms between grants (want 200)`);
      }
      const arrivals = server.seen.map((s) => s.at).sort((x, y) => x - y);
      assert.equal(arrivals.length, ids.length, 'one request per grant');
      arrivals.forEach((at, i) => assert.ok(at >= grants[i]!, `request ${i} came before its grant`));
    } finally {
      await server.close();
    }
  });

  it('lets a waiting acquire be aborted without taking a slot', async () => {
    const gate = new LocalHostGate({ concurrency: 1, rps: 0 });
    const release = await gate.acquire('h');
    const controller = new AbortController();
    const waiting = gate.acquire('h', controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    release();
    const again = await gate.acquire('h');
    again();
  });
});
