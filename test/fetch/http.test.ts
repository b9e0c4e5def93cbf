import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { parseRetryAfter } from '../../src/fetch/failure.js';
import { fetchSource } from '../../src/fetch/index.js';
import { LocalHostGate } from '../../src/fetch/politeness.js';
import { httpSource, LOOPBACK, startServer, testConfig, type Handler } from './server.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const body = randomBytes(200_000);

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-http-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs one fetch against a fresh server; returns the server (closed) and the outcome. */
async function fetchWith(handler: Handler, opts: { path?: string; cfg?: Parameters<typeof testConfig>[0]; work?: string; onHeaders?: (s: number, h: Record<string, string>) => void } = {}) {
  const server = await startServer(handler);
  const work = opts.work ?? (await mkdtemp(path.join(dir, 'w-')));
  try {
    const result = await fetchSource(httpSource(server.base + (opts.path ?? '/video.mp4')), work, testConfig(opts.cfg), {
      ...LOOPBACK,
      gate: new LocalHostGate({ concurrency: 2, rps: 0 }),
      onHeaders: opts.onHeaders,
    }).then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error }),
    );
    return { ...result, server, work };
  } finally {
    await server.close();
  }
}

function assertCode(error: unknown, code: string, transient: boolean): void {
  assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.equal(error.transient, transient);
  assert.ok(error.message.length > 10);
}

const serveBody = (status = 200, extra: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'video/mp4', 'content-length': body.length, ...extra });
  res.end(body);
};

describe('http download', () => {
  it('downloads a file with its size and sha256 in one request', async () => {
    const { value, server } = await fetchWith(serveBody(200, { 'x-robots-tag': 'all' }));
    assert.ok(value);
    assert.equal(value.bytes, body.length);
    assert.equal(value.sha256, sha(body));
    assert.deepEqual(await readFile(value.path), body);
    assert.equal(value.finalUri, `${server.base}/video.mp4`);
    assert.equal(value.headers['content-type'], 'video/mp4');
    assert.equal(value.headers['x-robots-tag'], 'all');
    assert.match(String(server.seen[0].headers['user-agent']), /^clipmill\//);
    assert.equal(server.seen.length, 1);
  });

  it('maps 404 and 410 to http_not_found without retrying', async () => {
    for (const status of [404, 410]) {
      const { error, server } = await fetchWith((_q, res) => res.writeHead(status).end('gone'));
      assertCode(error, ErrorCode.HttpNotFound, false);
      assert.equal(server.seen.length, 1);
    }
  });

  it('maps 401 and 403 to http_forbidden', async () => {
    for (const status of [401, 403]) {
      const { error, server } = await fetchWith((_q, res) => res.writeHead(status).end('no'));
      assertCode(error, ErrorCode.HttpForbidden, false);
      assert.equal(server.seen.length, 1);
    }
  });

  it('retries a 500 and then succeeds', async () => {
    const { value, server } = await fetchWith((req, res, i) => (i === 0 ? res.writeHead(500).end('oops') : serveBody()(req, res, i)));
    assert.equal(value?.sha256, sha(body));
    assert.equal(server.seen.length, 2);
  });

  it('gives up on a persistent 500 after the configured retries, as a transient http_error', async () => {
    const { error, server } = await fetchWith((_q, res) => res.writeHead(502).end(), { cfg: { retries: 2 } });
    assertCode(error, ErrorCode.HttpError, true);
    assert.equal(server.seen.length, 3);
  });

  it('resumes a download cut mid-body with a Range request and ends byte-exact', async () => {
    const { value, server, work } = await fetchWith((req, res, i) => {
      if (i === 0) {
        res.writeHead(200, { 'content-length': body.length, etag: '"v1"' });
        res.write(body.subarray(0, 80_000));
        setTimeout(() => res.socket?.destroy(), 100);
        return;
      }
      const start = Number(/^bytes=(\d+)-$/.exec(String(req.headers.range))?.[1] ?? 'NaN');
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, etag: '"v1"' });
      res.end(body.subarray(start));
    });
    assert.ok(value, 'download should succeed after resuming');
    assert.equal(server.seen.length, 2);
    const range = String(server.seen[1].headers.range);
    assert.match(range, /^bytes=\d+-$/);
    assert.ok(Number(range.slice(6, -1)) > 0, 'the second request continues, not restarts');
    assert.equal(server.seen[1].headers['if-range'], '"v1"');
    assert.deepEqual(await readFile(value.path), body);
    assert.equal(value.sha256, sha(body));
    assert.deepEqual(await readdir(work), [path.basename(value.path)], 'no .part left behind');
  });

  it('starts over cleanly when the server answers a Range request with 200', async () => {
    const { value, server } = await fetchWith((req, res, i) => {
      if (i === 0) {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 50_000));
        setTimeout(() => res.socket?.destroy(), 100);
        return;
      }
      serveBody()(req, res, i);
    });
    assert.ok(server.seen[1].headers.range, 'a resume was attempted');
    assert.deepEqual(await readFile(value!.path), body);
    assert.equal(value!.sha256, sha(body));
  });

  it('refuses a Content-Length over the limit before downloading', async () => {
    const { error, work } = await fetchWith(serveBody(), { cfg: { maxBytes: 1000 } });
    assertCode(error, ErrorCode.TooLarge, false);
    assert.deepEqual(await readdir(work), []);
  });

  it('aborts a body without Content-Length once it streams past the limit', async () => {
    const { error, work } = await fetchWith(
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' }); // chunked: size unknown up front
        res.end(body);
      },
      { cfg: { maxBytes: 50_000 } },
    );
    assertCode(error, ErrorCode.TooLarge, false);
    assert.deepEqual(await readdir(work), []);
  });

  it('times out on a server that stalls mid-body', async () => {
    const { error, server } = await fetchWith(
      (_q, res) => {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000)); // then silence
      },
      { cfg: { timeoutSec: 0.5, retries: 1 } },
    );
    assertCode(error, ErrorCode.Timeout, true);
    assert.equal(server.seen.length, 2, 'a timeout is retried');
  });

  it('times out on a server that never answers', async () => {
    const { error } = await fetchWith(() => {}, { cfg: { timeoutSec: 0.5, retries: 0 } });
    assertCode(error, ErrorCode.Timeout, true);
  });

  it('follows redirects and records the final URL', async () => {
    const { value, server } = await fetchWith((req, res, i) => {
      if (req.url === '/a') return res.writeHead(302, { location: '/b' }).end();
      if (req.url === '/b') return res.writeHead(301, { location: `http://${req.headers.host}/c/video.mp4` }).end();
      serveBody()(req, res, i);
    }, { path: '/a' });
    assert.deepEqual(server.seen.map((s) => s.path), ['/a', '/b', '/c/video.mp4']);
    assert.equal(value?.finalUri, `${server.base}/c/video.mp4`);
    assert.equal(value?.sha256, sha(body));
  });

  it('reports an empty body as empty_file', async () => {
    const { error, work } = await fetchWith((_q, res) => res.writeHead(200, { 'content-length': 0 }).end());
    assertCode(error, ErrorCode.EmptyFile, false);
    assert.deepEqual(await readdir(work), []);
  });

  it('lets onHeaders refuse a source before its body is read', async () => {
    let bodySent!: Promise<boolean>;
    const big = 50 * 1024 * 1024;
    const seenHeaders: Record<string, string>[] = [];
    const refusal = new SourceError(ErrorCode.RefusedOptOut, 'The server opts out of AI training (X-Robots-Tag: noai).');
    const { error, work, server } = await fetchWith(
      (_q, res) => {
        res.writeHead(200, { 'content-length': big, 'x-robots-tag': 'noai' });
        res.write(Buffer.alloc(16 * 1024));
        // Known once the server's side of the connection closes, which may come after the client's
        // refusal is known here (or only when the server is closed).
        bodySent = new Promise((resolve) => res.on('close', () => resolve(res.writableFinished)));
      },
      {
        onHeaders: (status, headers) => {
          assert.equal(status, 200);
          seenHeaders.push(headers);
          throw refusal;
        },
      },
    );
    assert.equal(error, refusal);
    assert.equal(seenHeaders[0]['x-robots-tag'], 'noai');
    assert.equal(server.seen.length, 1, 'a refusal is not retried');
    assert.equal(await bodySent, false, 'the server never got to send the body');
    assert.deepEqual(await readdir(work), []);
  });

  it('refuses invalid and non-http URLs as permanent http_error without a request', async () => {
    for (const uri of ['http://', 'ftp://127.0.0.1/video.mp4']) {
      await assert.rejects(
        fetchSource(httpSource(uri), dir, testConfig(), { gate: new LocalHostGate({ concurrency: 1, rps: 0 }) }),
        (err: unknown) => (assertCode(err, ErrorCode.HttpError, false), true),
      );
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});
