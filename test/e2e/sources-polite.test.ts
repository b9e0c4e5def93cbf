/**
 * Polite downloading through the real CLI: a loopback host that answers 429 with Retry-After is
 * waited out (the server sees the pause) and the run finishes; one that asks for an hour fails its
 * sources as transient `rate_limited`, and the next run retries exactly those. stats.json counts
 * sources, bytes and failures per host, and the progress line shows download throughput.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { RunProgress } from '../../src/cli/progress.js';
import type { SourceRecord } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startServer, type TestServer } from '../fetch/server.js';

describe('polite downloading end to end', () => {
  let dir: TempDir;
  let video: Buffer;

  before(async () => {
    dir = await tempDir();
    video = await readFile(await lavfiVideo(dir.file('local.mp4'), 'testsrc2=s=320x180:r=25', 3));
  });
  after(() => dir.remove());

  /** A server whose first `limited` requests get 429 with `retryAfter`; later ones get the video. */
  async function throttlingServer(limited: number, retryAfter: string): Promise<TestServer> {
    return startServer((req, res, index) => {
      if (index < limited) return res.writeHead(429, { 'retry-after': retryAfter }).end('slow down');
      if (req.url !== '/a.mp4' && req.url !== '/b.mp4') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
    });
  }

  async function manifest(name: string, lines: string[]): Promise<string> {
    await writeFile(dir.file(name), `${lines.join('\n')}\n`);
    return dir.file(name);
  }

  it('waits out Retry-After: 1 and finishes with every source done; stats.json counts per host', async () => {
    const server = await throttlingServer(2, '1');
    try {
      const list = await manifest('short.txt', [`${server.base}/a.mp4`, `${server.base}/b.mp4`, `${server.base}/missing.mp4`, dir.file('local.mp4')]);
      const out = dir.file('out-short');
      const result = await runCli(['run', list, '--out', out, '--host-rps', '0', '--allow-local', dir.path, '--allow-private-network']);
      assert.equal(result.code, 0, result.stderr);

      const records = await readRecords(out);
      const status = Object.fromEntries(records.map((r) => [r.uri.split('/').pop(), r.status]));
      assert.deepEqual(status, { 'a.mp4': 'done', 'b.mp4': 'done', 'missing.mp4': 'failed', 'local.mp4': 'done' });

      const firstServed = server.seen.findIndex((_, i) => i >= 2);
      const pause = server.seen[firstServed]!.at - server.seen[1]!.at;
      assert.ok(pause >= 900, `the host was paused for Retry-After (server saw ${pause} ms between the 429 and the next request)`);

      const stats = JSON.parse(await readFile(`${out}/stats.json`, 'utf8'));
      assert.deepEqual(stats.hosts, {
        [server.host]: { sources: 3, done: 2, failed: 1, bytes: 2 * video.length, failures_by_code: { http_not_found: 1 } },
        local: { sources: 1, done: 1, failed: 0, bytes: video.length, failures_by_code: {} },
      });
    } finally {
      await server.close();
    }
  });

  it('fails sources as transient rate_limited when asked to wait an hour, and a rerun retries them', async () => {
    const out = dir.file('out-long');
    const first = await throttlingServer(Infinity, '3600');
    const port = Number(new URL(first.base).port);
    const list = await manifest('long.txt', [`${first.base}/a.mp4`, `${first.base}/b.mp4`]);
    try {
      const result = await runCli(['run', list, '--out', out, '--host-rps', '0', '--allow-private-network']);
      assert.equal(result.code, 0, result.stderr);
      const records = await readRecords(out);
      assert.deepEqual(records.map((r) => [r.status, r.error?.code, r.error?.transient]), [
        ['failed', 'rate_limited', true],
        ['failed', 'rate_limited', true],
      ]);
      // One 429 is enough: the second source sees the host paused and is not requested at all.
      assert.ok(first.seen.length <= 2, `${first.seen.length} requests to a host that asked for an hour`);
    } finally {
      await first.close();
    }

    // The same URLs, now served: the rerun redoes the transient failures.
    const second = await startServerOnPort(port, video);
    try {
      const result = await runCli(['run', list, '--out', out, '--host-rps', '0', '--allow-private-network']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual((await readRecords(out)).map((r) => r.status), ['done', 'done']);
      assert.equal(second.requests(), 2);
    } finally {
      await second.close();
    }
  });

  it('shows download throughput in MB/s on the progress line', () => {
    const progress = new RunProgress(process.stderr, false);
    const record = { id: 'x', uri: 'http://h/x.mp4', status: 'done', clips: [], provenance: { bytes: 5e6 } } as unknown as SourceRecord;
    assert.match(progress.line(), / 0\.00 MB\/s /);
    const quiet = new RunProgress({ write: () => true } as unknown as NodeJS.WriteStream, false);
    quiet.finished(record);
    assert.match(quiet.line(), / [1-9][0-9.]* MB\/s /);
  });
});

/** A plain video server on a fixed port (the rerun must reach the same URLs). */
async function startServerOnPort(port: number, video: Buffer): Promise<{ requests: () => number; close: () => Promise<void> }> {
  const http = await import('node:http');
  let count = 0;
  const server = http.createServer((_req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    requests: () => count,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
