/**
 * `clipmill recheck` through the real command line, on a dataset made by `clipmill run` from a
 * loopback server that then changes its answers: files that now answer 404 or 410, one that now
 * sends `X-Robots-Tag: noai`, one that stops answering, one unchanged (whose server now refuses
 * HEAD, so the check falls back to a one-byte ranged GET), and a web page that real yt-dlp now
 * reports as removed by its uploader. The page is read by a yt-dlp site extractor for the
 * loopback site (a yt-dlp plugin written by the test), as a real site's extractor would.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../fetch/server.js';
import { canonicalUri, sourceId } from '../../src/sources/ids.js';
import type { SourceRecord } from '../../src/types.js';
import { OUTPUT_MARKER } from '../../src/store/output.js';
import { runCli, startCli } from '../helpers/cli.js';
import { listShards, queryIndex, readRecords } from '../helpers/dataset.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';
import { freePort, startRedis } from '../helpers/redis.js';

/** Each file lands in a shard bucket chosen by its size and length (see pack/buckets.ts). */
const FILES: Record<string, string> = {
  unchanged: 'testsrc2=s=160x90:r=25:d=3', // lt144p-16x9-d2-5, alone: must stay byte-identical
  notfound: 'mandelbrot=s=256x144:r=25:end_scale=0.1,trim=duration=3', // 144p-16x9-d2-5, with slow
  slow: 'testsrc2=s=256x144:r=25:d=3,vflip',
  gone: 'life=s=320x240:r=25:ratio=0.5:mold=10:seed=3,trim=duration=3', // 240p-4x3-d2-5, with optout
  optout: 'testsrc2=s=320x240:r=25:d=3,negate',
  page: 'testsrc2=s=160x90:r=25:d=1.5,hflip,negate', // lt144p-16x9-d0-2, behind the web page
};

const PLUGIN = `
from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError, urljoin


class ClipmillLoopbackIE(InfoExtractor):
    _VALID_URL = r'http://127\\.0\\.0\\.1:\\d+/watch/(?P<id>[\\w-]+)'

    def _real_extract(self, url):
        video_id = self._match_id(url)
        webpage = self._download_webpage(url, video_id)
        error = self._html_search_regex(r'<div class="error">([^<]+)</div>', webpage, 'error', default=None)
        if error:
            raise ExtractorError(error, expected=True)
        src = self._html_search_regex(r'<video src="([^"]+)"', webpage, 'video url')
        return {'id': video_id, 'title': self._html_extract_title(webpage), 'url': urljoin(url, src), 'ext': 'mp4'}
`;

type Phase = 'run' | 'recheck' | 'edited';

let dir: TempDir;
let server: TestServer;
let phase: Phase = 'run';
const media: Record<string, Buffer> = {};
const LAST_MODIFIED = 'Mon, 01 Jan 2024 00:00:00 GMT';

function serveFile(res: ServerResponse, name: string, method: string, range: string | undefined, extra: Record<string, string> = {}): void {
  const body = media[name]!;
  const etag = phase === 'edited' && name === 'unchanged' ? '"edited-1"' : `"${name}-1"`;
  const headers = { 'content-type': 'video/mp4', etag, 'last-modified': LAST_MODIFIED, 'accept-ranges': 'bytes', ...extra };
  if (method === 'GET' && range === 'bytes=0-0') {
    res.writeHead(206, { ...headers, 'content-range': `bytes 0-0/${body.length}`, 'content-length': 1 });
    return void res.end(body.subarray(0, 1));
  }
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(method === 'HEAD' ? undefined : body);
}

function watchPage(res: ServerResponse): void {
  const removed = phase !== 'run';
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(
    '<!DOCTYPE html><html><head><title>A loopback video</title></head><body>' +
      (removed ? '<div class="error">Video unavailable. This video has been removed by the uploader</div>' : '<video src="/media/page.mp4"></video>') +
      '</body></html>',
  );
}

before(async () => {
  dir = await tempDir('clipmill-recheck-');
  for (const [name, source] of Object.entries(FILES)) {
    const file = dir.file(`${name}.mp4`);
    await ffmpeg(['-f', 'lavfi', '-i', source, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    media[name] = await readFile(file);
  }
  const plugins = dir.file('plugins/yt_dlp_plugins/extractor');
  await mkdir(plugins, { recursive: true });
  await writeFile(path.join(plugins, 'clipmill_loopback.py'), PLUGIN);

  server = await startServer((req, res) => {
    const method = req.method ?? 'GET';
    const range = req.headers.range;
    const name = (req.url ?? '').replace(/^\/(v|media)\//, '').replace(/\.mp4$/, '');
    if (req.url === '/watch/page') return watchPage(res);
    if (req.url === '/media/page.mp4') return serveFile(res, 'page', method, range);
    if (!(name in media)) return void res.writeHead(404).end();
    if (phase === 'run') return serveFile(res, name, method, range);
    switch (name) {
      case 'notfound':
        return void res.writeHead(404).end();
      case 'gone':
        return void res.writeHead(410).end();
      case 'optout':
        return serveFile(res, name, method, range, { 'x-robots-tag': 'noai' });
      case 'slow':
        return; // never answers
      default:
        if (method === 'HEAD') return void res.writeHead(405, { allow: 'GET' }).end();
        return serveFile(res, name, method, range);
    }
  });
});
after(async () => {
  await server?.close();
  await dir?.remove();
});

const env = (): NodeJS.ProcessEnv => ({ PYTHONPATH: dir.file('plugins'), CLIPMILL_QUEUE_SECRET: 'recheck-test-queue-secret' });
const uriOf = (name: string): string => (name === 'page' ? `${server.base}/watch/page` : `${server.base}/v/${name}.mp4`);
// The origins are loopback servers: private addresses are refused unless allowed.
const CHECK_FLAGS = ['--timeout', '4', '--retries', '0', '--allow-private-network'];

async function recheckJson(args: string[]): Promise<Record<string, any>> {
  const r = await runCli(['recheck', dir.file('ds'), '--json', ...CHECK_FLAGS, ...args], env());
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Every file of the dataset with its hash, to prove that a command changed nothing. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    out[path.relative(root, file)] = createHash('sha256').update(await readFile(file)).digest('hex');
  }
  return out;
}

/** Shard hashes by bucket folder (each bucket has one tar here: one part, small clips). */
function byBucket(shards: Record<string, string>): Record<string, string> {
  const buckets = Object.keys(shards).map((file) => path.dirname(file));
  assert.equal(new Set(buckets).size, buckets.length, 'one tar per bucket');
  return Object.fromEntries(Object.entries(shards).map(([file, hash]) => [path.dirname(file), hash]));
}

describe('clipmill recheck', () => {
  let ids: Record<string, string>;
  let shardsBefore: Record<string, string>;

  before(async () => {
    const list = dir.file('urls.txt');
    await writeFile(list, Object.keys(FILES).map(uriOf).join('\n') + '\n');
    const run = await runCli(['run', list, '--out', dir.file('ds'), '--min-clip', '1', '--host-rps', '0', '--allow-private-network'], env());
    assert.equal(run.code, 0, run.stderr);
    const records = await readRecords(dir.file('ds'));
    ids = Object.fromEntries(Object.keys(FILES).map((name) => [name, records.find((r) => r.uri === uriOf(name))!.id]));
    for (const r of records) assert.equal(r.clips.filter((c) => c.status === 'kept').length, 1, `${r.uri} has its clip`);
    shardsBefore = await snapshot(dir.file('ds/shards'));
    assert.equal(Object.keys(shardsBefore).length, 4, 'four shard buckets');
    phase = 'recheck';
  });

  it('--dry-run lists what would go and changes nothing', async () => {
    const before = await snapshot(dir.file('ds'));
    const report = await recheckJson(['--dry-run']);
    assert.equal(report.dry_run, true);
    assert.deepEqual(report.outcomes, { present: 1, gone: 3, changed: 0, opted_out: 1, unknown: 1 });
    const doomed = report.results.filter((r: any) => r.action === 'take down').map((r: any) => r.source).sort();
    assert.deepEqual(doomed, [ids.notfound, ids.gone, ids.optout, ids.page].sort());
    assert.deepEqual(report.takedowns, []);
    assert.deepEqual(await snapshot(dir.file('ds')), before, 'no file of the dataset changed');
  });

  it('takes down the gone and opted-out sources, keeps the unknown one, and says why', async () => {
    const report = await recheckJson([]);
    assert.deepEqual(report.sources, { admitted: 6, local: 0, fresh: 0, checked: 6, not_asked: 0 });
    const byId = Object.fromEntries(report.results.map((r: any) => [r.source, r]));
    assert.equal(byId[ids.notfound].reason, 'HTTP 404');
    assert.equal(byId[ids.gone].reason, 'HTTP 410');
    assert.equal(byId[ids.optout].outcome, 'opted_out');
    assert.equal(byId[ids.optout].reason, 'noai');
    assert.equal(byId[ids.page].reason, 'yt-dlp: removed by the uploader');
    assert.equal(byId[ids.slow].outcome, 'unknown');
    assert.match(byId[ids.slow].reason, /^timeout:/);
    assert.equal(byId[ids.slow].action, 'keep');
    assert.equal(byId[ids.unchanged], undefined, 'a present source is only counted');

    const taken = [ids.notfound, ids.gone, ids.optout, ids.page];
    const rows = await queryIndex(dir.file('ds'), (t) => `SELECT DISTINCT source_id FROM ${t}`);
    assert.deepEqual(rows.map((r) => r.source_id).sort(), [ids.unchanged, ids.slow].sort());

    const shards = byBucket(await snapshot(dir.file('ds/shards')));
    const before = byBucket(shardsBefore);
    assert.deepEqual(Object.keys(shards).sort(), ['144p-16x9-d2-5', 'lt144p-16x9-d2-5']);
    assert.equal(shards['lt144p-16x9-d2-5'], before['lt144p-16x9-d2-5'], 'the untouched shard is byte-identical');
    assert.notEqual(shards['144p-16x9-d2-5'], before['144p-16x9-d2-5'], 'the shared shard was rewritten');
    assert.equal((await listShards(dir.file('ds'))).length, 2);

    const ledger = (await readFile(dir.file('ds/takedowns.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const reasons = ledger.map((e) => e.reason.replace(/ \(checked [^)]+\)$/, '')).sort();
    assert.deepEqual(reasons, ['opted out: noai', 'source gone: HTTP 404', 'source gone: HTTP 410', 'source gone: yt-dlp: removed by the uploader']);
    for (const e of ledger) assert.match(e.reason, /\(checked \d{4}-\d\d-\d\dT[^)]+\)$/);
    assert.deepEqual(ledger.flatMap((e) => e.sources).sort(), [...taken].sort());

    const records = await readRecords(dir.file('ds'));
    for (const id of taken) assert.equal(records.find((r) => r.id === id)!.error?.code, 'refused_takedown');
    assert.equal(records.find((r) => r.id === ids.slow)!.status, 'done');

    const log = (await readFile(dir.file('ds/rechecks.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(log.length, 6, 'one line per source after the run');
  });

  it('a second recheck --older-than 1d asks the server nothing', async () => {
    const asked = server.seen.length;
    const report = await recheckJson(['--older-than', '1d']);
    assert.equal(server.seen.length, asked);
    assert.deepEqual(report.sources, { admitted: 2, local: 0, fresh: 2, checked: 0, not_asked: 0 });
  });

  it('reports a changed file and takes it down only with --on-change takedown', async () => {
    phase = 'edited';
    const reported = await recheckJson(['--dry-run']);
    const changed = reported.results.find((r: any) => r.source === ids.unchanged);
    assert.equal(changed.outcome, 'changed');
    assert.equal(changed.reason, 'ETag "unchanged-1" → "edited-1"');
    assert.equal(changed.action, 'keep');
    const strict = await recheckJson(['--dry-run', '--on-change', 'takedown']);
    assert.equal(strict.results.find((r: any) => r.source === ids.unchanged).action, 'take down');
  });

  it('refuses a folder clipmill did not make (it could take files down there)', async () => {
    const r = await runCli(['recheck', dir.file('plugins'), ...CHECK_FLAGS], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not an output directory of clipmill/);
  });

  it('asks the same through clipmill worker processes with --queue', async () => {
    const redis = await startRedis();
    const worker = startCli(['worker', '--queue', redis.url, '--out-root', dir.path, '--allow-private-network'], env());
    try {
      const report = await recheckJson(['--dry-run', '--queue', redis.url]);
      assert.deepEqual(report.outcomes, { present: 0, gone: 0, changed: 1, opted_out: 0, unknown: 1 });
      assert.equal(report.results.find((r: any) => r.source === ids.slow).outcome, 'unknown');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await redis.stop();
    }
  });

  it('clipmill status shows how fresh the rights are', async () => {
    const r = await runCli(['status', dir.file('ds'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rights = JSON.parse(r.stdout).rights;
    assert.equal(rights.web_sources, 2);
    assert.equal(rights.rechecked, 2);
    assert.deepEqual(rights.outcomes, { present: 1, unknown: 1 });
    const text = await runCli(['status', dir.file('ds')]);
    assert.match(text.stdout, /rights +2 of 2 web sources rechecked/);
  });
});

describe('clipmill recheck of a host that cannot be reached', () => {
  it('asks it once and reports the host once, not each source as gone', async () => {
    const out = dir.file('dead');
    const port = await freePort(); // nothing listens there: connections are refused
    await mkdir(path.join(out, 'sources'), { recursive: true });
    await writeFile(path.join(out, OUTPUT_MARKER), '');
    const now = new Date().toISOString();
    for (let i = 0; i < 6; i++) {
      const uri = canonicalUri(`http://127.0.0.1:${port}/v${i}.mp4`);
      const record: SourceRecord = {
        version: 1, id: sourceId(uri), uri, kind: 'http', status: 'done', origin: { input: 'test' }, metadata: {},
        provenance: { finalUri: uri, retrievedAt: now, bytes: 1000, sha256: '0'.repeat(64) },
        clips: [], timings: {}, startedAt: now, finishedAt: now,
      };
      await writeFile(path.join(out, 'sources', `${record.id}.json`), JSON.stringify(record));
    }
    const r = await runCli(['recheck', out, ...CHECK_FLAGS]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Rechecked 1 source of 6 admitted .*5 on unreachable hosts not asked/);
    assert.equal(r.stdout.split('\n').filter((line) => line.includes(`127.0.0.1:${port}`)).length, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`host 127\\.0\\.0\\.1:${port} unreachable .*ECONNREFUSED.*its 6 sources kept`));
    await assert.rejects(readFile(path.join(out, 'takedowns.jsonl')), { code: 'ENOENT' });
  });
});
