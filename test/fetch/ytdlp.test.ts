import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { fetchSource } from '../../src/fetch/index.js';
import { LocalHostGate } from '../../src/fetch/politeness.js';
import { classifyYtDlpFailure, fetchWithYtDlp } from '../../src/fetch/ytdlp.js';
import { httpSource, LOOPBACK, startServer, testConfig, type TestServer } from './server.js';

let dir: string;
let video: Buffer;
let server: TestServer;

function probeDuration(file: string): number {
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', `file:${file}`], { encoding: 'utf8' });
  return Number(out.stdout.trim());
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-ytdlp-'));
  const file = path.join(dir, 'source.mp4');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10', '-t', '4', '-g', '10',
    '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-movflags', '+faststart', `file:${file}`]);
  assert.equal(made.status, 0, String(made.stderr));
  video = await readFile(file);
  server = await startServer((req, res) => {
    if (req.url === '/media/clip.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
      return res.end(req.method === 'HEAD' ? undefined : video);
    }
    if (req.url === '/watch.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!DOCTYPE html><html><head><title>A test video page</title></head><body><video controls src="/media/clip.mp4"></video></body></html>');
    }
    if (req.url === '/stall.mp4') {
      // Half the file, then nothing: the download hangs until the client gives up.
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
      if (req.method !== 'HEAD') res.write(video.subarray(0, video.length >> 1));
      return;
    }
    if (req.url === '/busy.html') return res.writeHead(429, { 'content-type': 'text/html' }).end('Too Many Requests');
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not here</body></html>');
  });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const cfg = testConfig({ retries: 0, userAgent: 'clipmill-test/1 (+https://example.org)' });
const deps = () => ({ ...LOOPBACK, gate: new LocalHostGate({ concurrency: 2, rps: 0 }) });

describe('yt-dlp fetcher', () => {
  it('downloads a direct media URL byte-exact, with the configured user agent', async () => {
    const work = await mkdtemp(path.join(dir, 'w-'));
    const result = await fetchSource(httpSource(`${server.base}/media/clip.mp4`, 'direct', 'ytdlp'), work, cfg, deps());
    assert.equal(result.sha256, createHash('sha256').update(video).digest('hex'));
    assert.equal(result.bytes, video.length);
    assert.equal(path.dirname(result.path), work);
    assert.equal(result.finalUri, `${server.base}/media/clip.mp4`);
    assert.equal(result.metadata?.id, 'clip');
    const mediaRequests = server.seen.filter((s) => s.path === '/media/clip.mp4');
    assert.ok(mediaRequests.length > 0);
    for (const r of mediaRequests) assert.equal(r.headers['user-agent'], cfg.userAgent);
  });

  it('finds the HTML5 video of a web page and records the page metadata', async () => {
    const work = await mkdtemp(path.join(dir, 'w-'));
    const result = await fetchSource(httpSource(`${server.base}/watch.html`, 'page', 'ytdlp'), work, cfg, deps());
    assert.equal(result.sha256, createHash('sha256').update(video).digest('hex'));
    assert.match(String(result.metadata?.title), /A test video page/);
    assert.equal(result.metadata?.webpage_url, `${server.base}/watch.html`);
  });

  it('hands a plain http source that answers with an HTML page to yt-dlp, without reading the page', async () => {
    const work = await mkdtemp(path.join(dir, 'w-'));
    const result = await fetchSource(httpSource(`${server.base}/watch.html`, 'page-as-http', 'http'), work, cfg, deps());
    assert.equal(result.sha256, createHash('sha256').update(video).digest('hex'));
    assert.match(String(result.metadata?.title), /A test video page/);
  });

  it('downloads only the span a preset asks for', async () => {
    const work = await mkdtemp(path.join(dir, 'w-'));
    const source = { ...httpSource(`${server.base}/media/clip.mp4`, 'span', 'ytdlp'), spans: [{ start: 1, end: 2 }] };
    const result = await fetchSource(source, work, cfg, deps());
    assert.equal(result.metadata?.section_start, 1);
    assert.equal(result.metadata?.section_end, 2);
    const duration = probeDuration(result.path);
    assert.ok(duration > 0.5 && duration < 3, `section lasts ${duration} s of a 4 s video`);
  });

  it('kills yt-dlp and the ffmpeg it started when the download is aborted', async () => {
    // The unique work dir is in the output path of both processes' command lines.
    const work = await mkdtemp(path.join(dir, 'abort-'));
    const running = (name: string): string[] => {
      const found = spawnSync('pgrep', ['-a', '-f', path.basename(work)], { encoding: 'utf8' });
      return found.stdout.split('\n').filter((line) => line && line.includes(name));
    };
    const controller = new AbortController();
    const slowCfg = testConfig({ retries: 0, timeoutSec: 120 });
    const request = { url: `${server.base}/stall.mp4`, name: 'stalled', workDir: work, spans: [{ start: 1, end: 2 }], signal: controller.signal, ...LOOPBACK };
    const fetching = fetchWithYtDlp(request, slowCfg);
    fetching.catch(() => undefined);
    // --download-sections makes yt-dlp hand the download to an ffmpeg child; wait until it runs.
    for (let i = 0; i < 300 && running('ffmpeg').length === 0; i++) await sleep(100);
    assert.ok(running('ffmpeg').length > 0, 'yt-dlp started ffmpeg on the stalled download');
    controller.abort(new Error('test aborts'));
    await assert.rejects(fetching, /test aborts/);
    for (let i = 0; i < 50 && running('').length > 0; i++) await sleep(100);
    assert.deepEqual(running(''), [], 'no yt-dlp or ffmpeg process of this download is left');
  });

  it('classifies a 404 page as http_not_found (permanent)', async () => {
    const work = await mkdtemp(path.join(dir, 'w-'));
    await assert.rejects(fetchSource(httpSource(`${server.base}/gone.html`, 'gone', 'ytdlp'), work, cfg, deps()), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, ErrorCode.HttpNotFound);
      assert.equal(err.transient, false);
      return true;
    });
  });

  it('classifies a 429 as rate_limited and pauses the host', async () => {
    const work = await mkdtemp(path.join(dir, 'w-'));
    const d = deps();
    await assert.rejects(fetchSource(httpSource(`${server.base}/busy.html`, 'busy', 'ytdlp'), work, cfg, d), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, ErrorCode.RateLimited);
      assert.equal(err.transient, true);
      return true;
    });
    assert.ok((await d.gate.pausedUntil(server.host)) > 0);
  });

  it('classifies known yt-dlp error lines', () => {
    const cases: Array<[string, string, boolean]> = [
      ['ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader', ErrorCode.Unavailable, false],
      ['ERROR: [youtube] abc: Private video. Sign in if you have access', ErrorCode.Unavailable, false],
      ["ERROR: [youtube] abc: Sign in to confirm you're not a bot", ErrorCode.RateLimited, true],
      ['ERROR: unable to download video data: HTTP Error 429: Too Many Requests', ErrorCode.RateLimited, true],
      ['ERROR: [generic] None: Unable to download webpage: <urlopen error [Errno 111] Connection refused>', ErrorCode.NetworkError, true],
      ['ERROR: [generic] x: Unable to download webpage: The read operation timed out', ErrorCode.Timeout, true],
      ['ERROR: Unsupported URL: http://example.org/', ErrorCode.Unavailable, false],
    ];
    for (const [stderr, code, transient] of cases) {
      const err = classifyYtDlpFailure(`WARNING: something\n${stderr}\n`);
      assert.equal(err.code, code, stderr);
      assert.equal(err.transient, transient, stderr);
      assert.ok(!err.message.includes('please report'), err.message);
    }
  });
});
