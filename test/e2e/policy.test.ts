/**
 * Rights and provenance end to end, through the real CLI: the licence gate under declared uses,
 * X-Robots-Tag opt-outs and an opt-out list, the no-use warning, a takedown of a finished dataset,
 * and a rerun after it. Sources are served over a loopback server that logs what it was asked for.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PackStats } from '../../src/pack/index.js';
import { canonicalUri, sourceId } from '../../src/sources/ids.js';
import type { SourceRecord } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { listShards, queryIndex, readRecords, tarMembers } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';

interface Served {
  file: string;
  /** X-Robots-Tag header lines. */
  robots?: string[];
  /**
   * The headers only, never the body: a client must refuse such a source on its headers alone
   * (one that waited for the body would fail on its idle timeout instead).
   */
  headersOnly?: boolean;
}

/** Loopback server: GET requests per path. */
interface PolicyServer {
  url: string;
  gets: Map<string, number>;
  close(): Promise<void>;
}

async function startPolicyServer(routes: Record<string, Served>): Promise<PolicyServer> {
  const gets = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET') gets.set(name, (gets.get(name) ?? 0) + 1);
    const route = routes[name];
    if (!route) return res.writeHead(404).end();
    const body = await readFile(route.file);
    if (route.robots) res.setHeader('x-robots-tag', route.robots);
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length });
    res.flushHeaders();
    if (!route.headersOnly) res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    gets,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');
const byName = (records: SourceRecord[]): Map<string, SourceRecord> => new Map(records.map((r) => [String(r.metadata.title), r]));
const COMMON = ['--min-clip', '1', '--workers', '2', '--retries', '0', '--timeout', '5', '--allow-private-network'];

describe('rights and provenance through clipmill run and clipmill takedown', () => {
  let dir: TempDir;
  let server: PolicyServer;
  /** Licence-manifest rows: title → [served path, licence column]. */
  const LICENSED: Record<string, [string, string]> = {
    by: ['/by.mp4', 'CC-BY-4.0'],
    nc: ['/nc.mp4', 'CC-BY-NC-4.0'],
    cc0: ['/cc0.mp4', 'CC0'],
    proprietary: ['/prop.mp4', 'All rights reserved'],
    unknown: ['/unk.mp4', ''],
    url: ['/url.mp4', 'https://creativecommons.org/licenses/by-sa/4.0/'],
  };

  before(async () => {
    dir = await tempDir('clipmill-e2e-policy-');
    // Distinct content per video, so cross-source dedup never merges two sources' clips.
    const v = (n: number) => dir.file(`v${n}.mp4`);
    await cutVideo(v(1), [{ source: 'testsrc2', frames: 60 }, { source: 'mandelbrot', frames: 60 }], '320x180');
    for (const k of [2, 3, 4]) {
      await cutVideo(v(k), [{ source: `life=ratio=0.5:mold=10:seed=${k}`, frames: 60 }, { source: `life=ratio=0.5:mold=10:seed=${k + 10}`, frames: 60 }], '320x180');
    }
    server = await startPolicyServer({
      '/by.mp4': { file: v(1) },
      '/nc.mp4': { file: v(2) },
      '/cc0.mp4': { file: v(3) },
      '/prop.mp4': { file: v(1) },
      '/unk.mp4': { file: v(1) },
      '/url.mp4': { file: v(4) },
      '/robots-noai.mp4': { file: v(1), robots: ['noai'], headersOnly: true },
      '/robots-lines.mp4': { file: v(2), robots: ['otherbot: noai', 'noai'], headersOnly: true },
      '/robots-other.mp4': { file: v(3), robots: ['otherbot: noai, noimageai'] },
      '/listed/one.mp4': { file: v(4) },
      '/keep-a.mp4': { file: v(1) },
      '/keep-b.mp4': { file: v(2) },
      '/keep-c.mp4': { file: v(4) },
    });
    const rows = Object.entries(LICENSED).map(([title, [p, lic]]) => `${server.url}${p},"${lic}",${title}`);
    await writeFile(dir.file('licensed.csv'), ['url,license,title', ...rows].join('\n') + '\n');
    const mixed = [
      ['/robots-noai.mp4', 'robots-noai'],
      ['/robots-lines.mp4', 'robots-lines'],
      ['/robots-other.mp4', 'robots-other'],
      ['/listed/one.mp4', 'listed'],
      ['/keep-a.mp4', 'keep-a'],
      ['/keep-b.mp4', 'keep-b'],
      ['/keep-c.mp4', 'keep-c'],
    ].map(([p, title]) => `${server.url}${p},${title === 'keep-a' ? 'CC-BY-4.0' : ''},${title}`);
    await writeFile(dir.file('mixed.csv'), ['url,license,title', ...mixed].join('\n') + '\n');
    await writeFile(dir.file('optout.txt'), `# publisher requests\n${server.url}/listed/\n`);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  /** Runs the licence manifest under a use; checks admitted sources were done and refused ones never requested. */
  async function licenceRun(use: string, admitted: string[]): Promise<void> {
    const out = dir.file(`out-${use}`);
    const res = await runCli(['run', dir.file('licensed.csv'), '--out', out, '--use', use, ...COMMON]);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stderr, /No intended use was declared/);
    const records = byName(await readRecords(out));
    assert.equal(records.size, 6);
    for (const [title, [p]] of Object.entries(LICENSED)) {
      const r = records.get(title)!;
      if (admitted.includes(title)) {
        assert.equal(r.status, 'done', `${use}: ${title} admitted (${r.error?.message})`);
        assert.ok(r.clips.some((c) => c.status === 'kept'), `${use}: ${title} keeps clips`);
      } else {
        assert.equal(r.status, 'refused', `${use}: ${title} refused`);
        assert.equal(r.error?.code, 'refused_license');
        assert.match(r.error!.message, /licen[cs]e/i);
        assert.equal(r.provenance, undefined);
        assert.equal(server.gets.get(p) ?? 0, 0, `${use}: ${title} was never requested`);
      }
    }
    assert.equal(records.get('url')!.license, 'CC-BY-SA-4.0', 'a licence URL is normalised');
    const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8')) as PackStats;
    assert.equal(stats.sources.refused_by_reason.refused_license, 6 - admitted.length);
  }

  it('--use commercial admits CC-BY, CC0 and a CC BY-SA URL; refuses NC, proprietary and unknown without downloading them', async () => {
    await licenceRun('commercial', ['by', 'cc0', 'url']);
  });

  it('--use research admits NC too; still refuses proprietary and unknown without downloading them', async () => {
    await licenceRun('research', ['by', 'nc', 'cc0', 'url']);
  });

  const mixedOut = () => dir.file('out-mixed');
  const mixedRun = () =>
    runCli(['run', dir.file('mixed.csv'), '--out', mixedOut(), '--opt-out', dir.file('optout.txt'), '--shard-size', '3000000', ...COMMON]);

  it('without --use admits every licence with a warning; X-Robots-Tag and the opt-out list refuse before the body', async () => {
    const res = await mixedRun();
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /warning: No intended use was declared.*4 sources admitted \(unknown: 3, CC-BY-4\.0: 1\).*--use/s);
    const records = byName(await readRecords(mixedOut()));
    for (const title of ['robots-noai', 'robots-lines', 'listed']) {
      assert.equal(records.get(title)?.status, 'refused', title);
      assert.equal(records.get(title)?.error?.code, 'refused_opt_out', title);
    }
    assert.match(records.get('robots-lines')!.error!.message, /X-Robots-Tag "noai"/);
    assert.match(records.get('listed')!.error!.message, /opt-out list \(.*optout\.txt:2/);
    // Their bodies were never sent: refused on the headers alone.
    for (const p of ['/robots-noai.mp4', '/robots-lines.mp4']) assert.equal(server.gets.get(p), 1, `${p}: headers were asked for once`);
    assert.equal(server.gets.get('/listed/one.mp4') ?? 0, 0, 'a listed source is never requested');
    for (const title of ['robots-other', 'keep-a', 'keep-b', 'keep-c']) {
      assert.equal(records.get(title)?.status, 'done', `${title}: ${records.get(title)?.error?.message}`);
    }
    assert.ok((await listShards(mixedOut())).length >= 3, 'several shards');

    const status = await runCli(['status', mixedOut(), '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).sources.refused_by_reason, { refused_opt_out: 3 });
  });

  it('takedown removes a source from the finished dataset; a rerun never admits it again', async () => {
    const out = mixedOut();
    const uri = `${server.url}/keep-b.mp4`;
    const id = sourceId(canonicalUri(uri));
    const removed = (await readRecords(out)).find((r) => r.id === id)!.clips.filter((c) => c.status === 'kept').map((c) => c.clipId);
    assert.ok(removed.length > 0);
    const statsBefore = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8')) as PackStats;
    const before = new Map<string, string>();
    for (const shard of await listShards(out)) before.set(path.relative(out, shard), await sha256(shard));

    const res = await runCli(['takedown', out, '--source', uri, '--reason', 'rights holder request 42', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const result = JSON.parse(res.stdout) as { shards: string[]; sources: string[] };
    assert.deepEqual(result.sources, [id]);
    assert.ok(result.shards.length > 0 && result.shards.length < before.size, 'some shards rewritten, not all');
    for (const [rel, hash] of before) {
      if (result.shards.includes(rel)) continue;
      assert.equal(await sha256(path.join(out, rel)), hash, `${rel} is byte-identical`);
    }

    const assertGone = async () => {
      for (const shard of await listShards(out)) {
        for (const m of await tarMembers(shard)) assert.ok(!removed.some((c) => m.name.startsWith(c)), `${m.name} in ${shard}`);
      }
      const rows = await queryIndex(out, (t) => `SELECT count(*)::INTEGER AS n FROM ${t} WHERE source_id = '${id}'`);
      assert.equal(rows[0]!.n, 0, 'no index row of the source');
      const record = (await readRecords(out)).find((r) => r.id === id)!;
      assert.equal(record.error?.code, 'refused_takedown');
      assert.deepEqual(record.clips, []);
    };
    await assertGone();

    const entries = (await readFile(path.join(out, 'takedowns.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0].sources, [id]);
    assert.equal(entries[0].reason, 'rights holder request 42');
    assert.ok(entries[0].clips >= removed.length);

    const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8')) as PackStats;
    assert.equal(stats.clips.kept, statsBefore.clips.kept - removed.length);
    assert.equal(stats.successes, statsBefore.successes - 1);
    assert.deepEqual(stats.sources.refused_by_reason, { refused_opt_out: 3, refused_takedown: 1 });
    assert.equal(stats.licences.unknown!.sources, statsBefore.licences.unknown!.sources - 1);
    assert.equal(stats.shards.count, (await listShards(out)).length);

    const requestsBefore = server.gets.get('/keep-b.mp4');
    const rerun = await mixedRun();
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(server.gets.get('/keep-b.mp4'), requestsBefore, 'the taken-down source is not fetched again');
    await assertGone();
    const status = await runCli(['status', out, '--json']);
    assert.deepEqual(JSON.parse(status.stdout).sources.refused_by_reason, { refused_opt_out: 3, refused_takedown: 1 });
  });
});
