import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { fetchSource } from '../../src/fetch/index.js';
import { LocalHostGate } from '../../src/fetch/politeness.js';
import { httpSource, LOOPBACK, startServer, testConfig } from './server.js';

const payload = Buffer.alloc(4096, 7);

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-polite-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await sleep(10);
}

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
    const gate = new LocalHostGate({ concurrency: 4, rps: 0 });
    const cfg = testConfig();
    try {
      const first = fetchSource(httpSource(`${server.base}/a.mp4`, 'a'), dir, cfg, { ...LOOPBACK, gate });
      await waitFor(async () => (await gate.pausedUntil(server.host)) > Date.now());
      assert.ok((await gate.pausedUntil(server.host)) > Date.now(), 'the 429 paused the host');
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
    const gate = new LocalHostGate({ concurrency: 2, rps: 0 });
    try {
      const fetching = fetchSource(httpSource(`${server.base}/a.mp4`, 'a'), dir, testConfig({ backoffSec: 0.4 }), { ...LOOPBACK, gate });
      await waitFor(async () => (await gate.pausedUntil(server.host)) > Date.now());
      assert.ok((await gate.pausedUntil(server.host)) > Date.now(), 'the 503 paused the host');
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
    let active = 0;
    let peak = 0;
    const server = await startServer((_q, res) => {
      peak = Math.max(peak, ++active);
      setTimeout(() => {
        active--;
        res.end(payload);
      }, 150);
    });
    const gate = new LocalHostGate({ concurrency: 2, rps: 0 });
    try {
      const ids = ['a', 'b', 'c', 'd', 'e'];
      await Promise.all(ids.map((id) => fetchSource(httpSource(`${server.base}/${id}.mp4`, id), dir, testConfig(), { ...LOOPBACK, gate })));
      assert.equal(server.seen.length, 5);
      assert.equal(peak, 2);
    } finally {
      await server.close();
    }
  });

  it('spaces request starts to perHostRps', async () => {
    const server = await startServer((_q, res) => res.end(payload));
    const gate = new LocalHostGate({ concurrency: 4, rps: 5 });
    try {
      const ids = ['a', 'b', 'c', 'd'];
      await Promise.all(ids.map((id) => fetchSource(httpSource(`${server.base}/${id}.mp4`, id), dir, testConfig(), { ...LOOPBACK, gate })));
      const times = server.seen.map((s) => s.at).sort((x, y) => x - y);
      for (let i = 1; i < times.length; i++) {
        assert.ok(times[i] - times[i - 1] >= 150, `gap ${times[i] - times[i - 1]} ms (want about 200)`);
      }
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
