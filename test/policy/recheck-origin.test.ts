/**
 * What one recheck makes of an origin's answer: real requests to a loopback server for the http
 * cases (a 429 asking for longer than maxWaitSec, 5xx, 403, a redirect to a 410, a HEAD without
 * a size), and yt-dlp's real error wording through the fetcher's own classifier for pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PolicyConfig } from '../../src/config/schema.js';
import { FetchError, networkError } from '../../src/fetch/failure.js';
import { LocalHostGate } from '../../src/fetch/politeness.js';
import { classifyYtDlpFailure } from '../../src/fetch/ytdlp.js';
import { checkOrigin, judgeFailure, type RecheckTarget } from '../../src/policy/recheck-origin.js';
import { startServer, testConfig, type TestServer } from '../fetch/server.js';

let server: TestServer;

before(async () => {
  server = await startServer((req, res) => {
    switch (req.url) {
      case '/busy.mp4':
        return void res.writeHead(429, { 'retry-after': '3600' }).end();
      case '/broken.mp4':
        return void res.writeHead(500).end();
      case '/private.mp4':
        return void res.writeHead(403).end();
      case '/moved.mp4':
        return void res.writeHead(301, { location: '/removed.mp4' }).end();
      case '/removed.mp4':
        return void res.writeHead(410).end();
      default:
        // HEAD says nothing of the size; the file is as it was.
        return void res.writeHead(200, { 'content-type': 'video/mp4', etag: '"v1"' }).end();
    }
  });
});
after(() => server.close());

const ctx = () => ({
  fetch: testConfig({ retries: 1, maxWaitSec: 5 }),
  policy: PolicyConfig.parse({}),
  gate: new LocalHostGate({ concurrency: 2, rps: 0 }),
  // The test's origins are on loopback.
  allowPrivateNetwork: true,
});
const target = (path: string): RecheckTarget => ({ id: 'x', uri: `${server.base}${path}`, page: false, bytes: 1234, etag: '"v1"' });

describe('checkOrigin over http', () => {
  it('never takes a source down for an unclear answer', async () => {
    const busy = await checkOrigin(target('/busy.mp4'), ctx());
    assert.equal(busy.outcome, 'unknown');
    assert.match(busy.reason, /^rate_limited: .*3600 s/);
    assert.equal((await checkOrigin(target('/broken.mp4'), ctx())).outcome, 'unknown');
    assert.equal((await checkOrigin(target('/private.mp4'), ctx())).outcome, 'unknown');
  });

  it('follows redirects to the answer, and compares only what the server states', async () => {
    assert.deepEqual(await checkOrigin(target('/moved.mp4'), ctx()), { outcome: 'gone', reason: 'HTTP 410' });
    assert.deepEqual(await checkOrigin(target('/same.mp4'), ctx()), { outcome: 'present', reason: 'HTTP 200' });
  });
});

describe('judgeFailure', () => {
  const ytdlpError = (line: string): FetchError => classifyYtDlpFailure(`ERROR: ${line}\n`);
  const ytdlp = (line: string) => judgeFailure(ytdlpError(line));

  it('takes yt-dlp at its word for removed videos', () => {
    const cases: Array<[string, string]> = [
      ['[youtube] abc: Video unavailable. This video has been removed by the uploader', 'yt-dlp: removed by the uploader'],
      ['[youtube] abc: Private video. Sign in if you have access', 'yt-dlp: private video'],
      ['[youtube] abc: This video is no longer available because the YouTube account associated with this video has been terminated.', 'yt-dlp: account terminated'],
      ['[youtube] abc: Video unavailable', 'yt-dlp: video unavailable'],
      ['[generic] abc: Unable to download webpage: HTTP Error 410: Gone', 'HTTP 410'],
    ];
    for (const [line, reason] of cases) assert.deepEqual(ytdlp(line), { outcome: 'gone', reason }, line);
  });

  it('keeps what yt-dlp cannot read or may not show us', () => {
    for (const line of [
      '[youtube] abc: Sign in to confirm your age. This video may be inappropriate for some users.',
      '[youtube] abc: Join this channel to get access to members-only content like this video',
      'Unsupported URL: http://example.org/',
      "[youtube] abc: Sign in to confirm you're not a bot",
    ]) {
      assert.equal(ytdlp(line).outcome, 'unknown', line);
    }
  });

  it('tells a host that is not there from a connection that broke', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    assert.equal(judgeFailure(networkError(refused)).hostUnreachable, true);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.equal(judgeFailure(networkError(reset)).hostUnreachable, undefined);
    assert.equal(judgeFailure(ytdlpError('[generic] x: Unable to download webpage: <urlopen error [Errno -2] Name or service not known>')).hostUnreachable, true);
  });
});

