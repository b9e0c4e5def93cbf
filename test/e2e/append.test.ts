/**
 * A dataset that grows, through the real CLI: `clipmill run` of new inputs into a finished output
 * appends parts, dedups the new clips against the clips already in the dataset (a copy of an
 * existing video under another name is dropped as duplicate of the existing clips), leaves every
 * existing shard and index part byte-identical, and sums the totals; DuckDB reads the whole index.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PackStats } from '../../src/pack/index.js';
import { runCli } from '../helpers/cli.js';
import { listShards, queryIndex } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

async function hashes(files: string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(files.map(async (f) => [f, await sha256(f)] as const)));
}

const readStats = async (out: string): Promise<PackStats> => JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8')) as PackStats;
const indexParts = async (out: string): Promise<string[]> =>
  (await readdir(path.join(out, 'index/parts'))).filter((n) => n.endsWith('.parquet')).map((n) => path.join(out, 'index/parts', n)).sort();

describe('clipmill run into an existing output appends', () => {
  let dir: TempDir;
  const out = () => dir.file('out');
  const run = (input: string) => runCli(['run', input, '--out', out(), '--workers', '1', '--min-clip', '1']);

  before(async () => {
    dir = await tempDir('clipmill-append-');
    await mkdir(dir.file('first'));
    await mkdir(dir.file('second'));
    // Distinct content per video: two shots each, no shot shared between videos.
    const shots = [
      ['testsrc2', 'smptebars'], ['mandelbrot', 'rgbtestsrc'], ['life=ratio=0.5:mold=10:seed=3', 'cellauto=rule=110:seed=2'],
      ['testsrc', 'life=ratio=0.3:mold=5:seed=7'], ['life=ratio=0.5:mold=10:seed=21', 'cellauto=rule=110:seed=9'],
    ];
    for (const [i, [a, b]] of shots.entries()) {
      const folder = i < 3 ? 'first' : 'second';
      await cutVideo(dir.file(`${folder}/v${i}.mp4`), [{ source: a!, frames: 50 + 5 * i }, { source: b!, frames: 60 }], '320x180');
    }
    // The same video as first/v0.mp4 under another name: another source, the same pictures.
    await copyFile(dir.file('first/v0.mp4'), dir.file('second/copy-of-v0.mp4'));
  });
  after(() => dir.remove());

  it('adds the new sources as new parts, drops the copy as duplicate of the existing clips, and keeps existing shards byte-identical', async () => {
    const first = await run(dir.file('first'));
    assert.equal(first.code, 0, first.stderr);
    const shardsBefore = await hashes(await listShards(out()));
    const partsBefore = await hashes(await indexParts(out()));
    const statsBefore = await readStats(out());
    assert.ok(shardsBefore.size > 0 && partsBefore.size > 0);
    assert.equal(statsBefore.count, 3);
    const originals = await queryIndex(out(), (t) => `SELECT clip_id, status, reason FROM ${t} WHERE source_uri LIKE '%/first/v0.mp4' ORDER BY start_time`);
    const keptOriginals = originals.filter((r) => r.status === 'kept').length;
    assert.ok(keptOriginals >= 1, 'v0 keeps a shot');

    const second = await run(dir.file('second'));
    assert.equal(second.code, 0, second.stderr);

    // Every existing shard and index part is byte-identical; the append only added files.
    const shardsAfter = await hashes(await listShards(out()));
    for (const [file, hash] of shardsBefore) assert.equal(shardsAfter.get(file), hash, `${path.relative(out(), file)} unchanged`);
    const partsAfter = await hashes(await indexParts(out()));
    for (const [file, hash] of partsBefore) assert.equal(partsAfter.get(file), hash, `${path.relative(out(), file)} unchanged`);
    assert.ok(partsAfter.size > partsBefore.size, 'the append wrote new index parts');

    // Each clip of the copy that its filters keep is dropped as a duplicate of v0's clip (which stays
    // kept); a shot the filters drop in v0 is dropped in the copy for the same reason.
    const copy = await queryIndex(out(), (t) => `SELECT status, reason, duplicate_of, shard FROM ${t} WHERE source_uri LIKE '%/copy-of-v0.mp4' ORDER BY start_time`);
    assert.equal(copy.length, originals.length);
    for (const [i, row] of copy.entries()) {
      const original = originals[i]!;
      const expected = original.status === 'kept'
        ? { status: 'dropped', reason: 'duplicate', duplicate_of: original.clip_id, shard: null }
        : { status: 'dropped', reason: original.reason, duplicate_of: null, shard: null };
      assert.deepEqual(row, expected);
    }
    const [fresh] = await queryIndex(out(), (t) => `SELECT count(*)::INTEGER AS n FROM ${t} WHERE status = 'kept' AND source_uri LIKE '%/second/v%'`);
    const freshKept = fresh!.n as number;
    assert.ok(freshKept >= 2, `the two new videos keep their shots: ${JSON.stringify(await queryIndex(out(), (t) => `SELECT source_uri, status, reason, duplicate_of FROM ${t} WHERE source_uri LIKE '%/second/v%'`))}`);
    const [stillKept] = await queryIndex(out(), (t) => `SELECT count(*)::INTEGER AS n FROM ${t} WHERE status = 'kept' AND source_uri LIKE '%/first/v0.mp4'`);
    assert.equal(stillKept!.n, keptOriginals, 'an existing clip is never the one dropped');

    // Totals: the old ones plus the new parts', each source and clip counted once.
    const stats = await readStats(out());
    const [all] = await queryIndex(out(), (t) => `SELECT count(*)::INTEGER AS n, count(*) FILTER (status = 'kept')::INTEGER AS kept, count(DISTINCT source_id)::INTEGER AS sources FROM ${t}`);
    assert.equal(stats.count, 6);
    assert.equal(all!.sources, 6);
    assert.equal(stats.clips.total, all!.n);
    assert.equal(stats.clips.kept, all!.kept);
    assert.equal(stats.clips.dropped_by_reason.duplicate, keptOriginals);
    assert.equal(stats.shards.count, shardsAfter.size);
    assert.equal(stats.clips.kept, statsBefore.clips.kept + freshKept);

    // Nothing is left pending, and status reads the totals.
    assert.deepEqual(await readdir(path.join(out(), 'index/pending')).catch(() => []), []);
    const status = await runCli(['status', out(), '--json']);
    assert.equal(status.code, 0, status.stderr);
    const { n, kept } = all as { n: number; kept: number };
    assert.deepEqual(JSON.parse(status.stdout).index, { rows: n, kept, dropped: n - kept, parts: partsAfter.size });
  });
});
