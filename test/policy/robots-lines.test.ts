/**
 * X-Robots-Tag sent on several header lines: the http fetcher hands each line to the headers hook
 * apart, so a user-agent scope on one line does not swallow an unscoped `noai` on the next.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { downloadHttp, type HeadersHook } from '../../src/fetch/http.js';
import { robotsTagRefusal } from '../../src/policy/optout.js';
import { LOOPBACK, startServer, testConfig, type TestServer } from '../fetch/server.js';

const BODY = Buffer.alloc(64 * 1024, 7);
const TAGS: Record<string, string[]> = {
  '/scoped-then-unscoped.mp4': ['otherbot: noai', 'noai'],
  '/scoped-other-only.mp4': ['otherbot: noai', 'otherbot: noimageai'],
  '/scoped-to-us.mp4': ['otherbot: noindex', 'clipmill: noai'],
};
/**
 * Paths the hook must refuse: the server sends their headers and never their body, so a client
 * that waited for the body before deciding would fail on its idle timeout instead of refusing.
 */
const HEADERS_ONLY = new Set(['/scoped-then-unscoped.mp4', '/scoped-to-us.mp4']);

let server: TestServer;
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-robots-'));
  server = await startServer((req, res) => {
    const tags = TAGS[req.url ?? ''];
    if (!tags) return res.writeHead(404).end();
    res.setHeader('x-robots-tag', tags); // an array: one header line per value
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': BODY.length });
    res.flushHeaders();
    if (!HEADERS_ONLY.has(req.url!)) res.end(BODY);
  });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const refuseOnRobots: HeadersHook = (_status, _headers, lines) => {
  const refusal = robotsTagRefusal(lines, 'clipmill');
  if (refusal) throw new SourceError(ErrorCode.RefusedOptOut, refusal);
};

const download = (name: string, onHeaders: HeadersHook) =>
  downloadHttp(`${server.base}${name}`, path.join(dir, name.slice(1)), { timeoutSec: 5, maxBytes: 1 << 20, userAgent: 'clipmill/0.1', limits: testConfig(), ...LOOPBACK, onHeaders });

describe('X-Robots-Tag on several header lines', () => {
  it('passes each line to the hook apart, while the joined value misreads the unscoped noai as scoped', async () => {
    let seen: { joined?: string; lines?: string[] } = {};
    await assert.rejects(
      download('/scoped-then-unscoped.mp4', (status, headers, lines) => {
        seen = { joined: headers['x-robots-tag'], lines: lines['x-robots-tag'] };
        return refuseOnRobots(status, headers, lines);
      }),
      (err: unknown) => err instanceof SourceError && err.code === ErrorCode.RefusedOptOut && /"noai"/.test(err.message),
    );
    assert.deepEqual(seen.lines, ['otherbot: noai', 'noai']);
    assert.equal(seen.joined, 'otherbot: noai, noai');
    assert.equal(robotsTagRefusal({ 'x-robots-tag': seen.joined }, 'clipmill'), undefined, 'the joined form hides the opt-out');
    assert.deepEqual(await readdir(dir), [], 'nothing of the refused file is left');
  });

  it('refuses a line scoped to our agent and admits lines scoped only to others', async () => {
    await assert.rejects(download('/scoped-to-us.mp4', refuseOnRobots), { code: ErrorCode.RefusedOptOut });
    const ok = await download('/scoped-other-only.mp4', refuseOnRobots);
    assert.equal(ok.bytes, BODY.length);
    assert.equal(ok.headers['x-robots-tag'], 'otherbot: noai, otherbot: noimageai', 'provenance keeps the joined value');
  });
});
