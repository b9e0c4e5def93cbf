import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { PackConfig } from '../../src/config/schema.js';
import { pack, readIndex, summarizeOutput, writeIndex, type ClipRow } from '../../src/pack/index.js';
import { outDirMaker, readTar } from './fixture.js';

const RUN = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:40.000Z' };
const cfg = PackConfig.parse({});
const outDir = outDirMaker();

async function shardFiles(out: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(out, 'shards'), { recursive: true });
  return entries.filter((e) => e.endsWith('.tar')).map((e) => `shards/${e.split(path.sep).join('/')}`).sort();
}

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await fs.readFile(file)).digest('hex');

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

test('shards hold paired samples in their buckets, with the clip bytes and full metadata', async () => {
  const out = await outDir();
  const summary = await pack(out, cfg, RUN);
  assert.deepEqual(await shardFiles(out), [
    'shards/144p-9x16-d0-2/shard-000000.tar',
    'shards/lt144p-16x9-d0-2/shard-000000.tar',
    'shards/lt144p-16x9-d2-5/shard-000000.tar',
  ]);
  assert.deepEqual(summary.shards.map((s) => s.path), await shardFiles(out));

  const members = await readTar(path.join(out, 'shards/lt144p-16x9-d0-2/shard-000000.tar'));
  assert.deepEqual(members.map((m) => m.name), [
    'src-a-0-24.json', 'src-a-0-24.mp4', 'src-a-0-24.txt', 'src-a-25-49.json', 'src-a-25-49.mp4',
  ]);
  for (const m of members) {
    assert.equal(m.header.mtime.getTime(), 0);
    assert.equal(m.header.uid, 0);
    assert.equal(m.header.gid, 0);
    assert.equal(m.header.uname, '');
  }
  assert.deepEqual(members[1]!.data, await fs.readFile(path.join(out, 'clips/src-a/src-a-0-24.mp4')));
  assert.equal(members[2]!.data.toString(), 'A test pattern.');
  const sample = JSON.parse(members[0]!.data.toString());
  assert.equal(sample.key, 'src-a-0-24');
  assert.equal(sample.clip_id, 'src-a-0-24');
  assert.equal(sample.source_id, 'src-a');
  assert.equal(sample.source_uri, 'https://example.test/a.mp4');
  assert.equal(sample.final_uri, 'https://cdn.example.test/a.mp4');
  assert.equal(sample.sha256, 'aa'.repeat(32));
  assert.equal(sample.retrieved_at, '2024-01-01T00:00:01.000Z');
  assert.equal(sample.license, 'CC-BY-4.0');
  assert.equal(sample.origin_line, 2);
  assert.deepEqual(sample.source_metadata, { title: 'A film', uploader: 'Ada' });
  assert.deepEqual(sample.signals, { motion: 0.5, sharpness: 12 });
  assert.equal(sample.width, 160);
  assert.equal(sample.caption, 'A test pattern.');
  assert.equal(sample.status, undefined, 'pack bookkeeping stays out of the sample');

  // Every member of every shard pairs up: one .json and one .mp4 per key, and nothing dropped.
  const keys = new Map<string, string[]>();
  for (const shard of summary.shards) {
    for (const m of await readTar(path.join(out, shard.path))) {
      const [key, ext] = [m.name.slice(0, m.name.indexOf('.')), m.name.slice(m.name.indexOf('.') + 1)];
      keys.set(key, [...(keys.get(key) ?? []), ext]);
    }
  }
  assert.deepEqual([...keys.keys()].sort(), ['src-a-0-24', 'src-a-25-49', 'src-a-75-137', 'src-b-0-24']);
  for (const exts of keys.values()) assert.deepEqual(exts.filter((e) => e !== 'txt'), ['json', 'mp4']);
});

test('a kept clip without its file is dropped as missing_file, and bad record files are reported', async () => {
  const out = await outDir();
  const summary = await pack(out, cfg, RUN);
  assert.deepEqual(summary.missingFiles, ['src-b-25-49']);
  assert.deepEqual(summary.skipped.map((s) => [s.file, s.reason]), [
    ['sources/src-f.json.tmp', 'partial'],
    ['sources/src-g.json', 'unreadable'],
  ]);
  assert.deepEqual(summary.clips, { total: 6, kept: 4, dropped: 2 });
});

test('DuckDB reads the index: every clip, kept and dropped, with reasons, shards, signals and provenance', async () => {
  const out = await outDir();
  await pack(out, cfg, RUN);
  const file = path.join(out, 'index.parquet');
  const [totals] = await query(
    `SELECT count(*) AS n, count(*) FILTER (status = 'kept') AS kept, count(DISTINCT shard) AS shards FROM read_parquet('${file}')`,
  );
  assert.deepEqual(totals, { n: '6', kept: '4', shards: '3' });
  const rows = await query(
    `SELECT clip_id, status, reason, shard, motion, signal_duration, exposure, license, final_uri, start_frame, end_time, width
     FROM read_parquet('${file}') ORDER BY clip_id`,
  );
  assert.deepEqual(rows.map((r) => [r.clip_id, r.status, r.reason]), [
    ['src-a-0-24', 'kept', null],
    ['src-a-25-49', 'kept', null],
    ['src-a-50-74', 'dropped', 'motion: 0.001'],
    ['src-a-75-137', 'kept', null],
    ['src-b-0-24', 'kept', null],
    ['src-b-25-49', 'dropped', 'missing_file'],
  ]);
  assert.equal(rows[0]!.shard, 'shards/lt144p-16x9-d0-2/shard-000000.tar');
  assert.equal(rows[2]!.shard, null);
  assert.equal(rows[0]!.motion, 0.5);
  assert.equal(rows[3]!.signal_duration, 99, 'a signal named like a fixed column gets a prefix');
  assert.equal(rows[4]!.exposure, 0.4);
  assert.equal(rows[0]!.exposure, null);
  assert.equal(rows[4]!.license, null);
  assert.equal(rows[0]!.final_uri, 'https://cdn.example.test/a.mp4');
  assert.equal(rows[3]!.start_frame, 75);
  assert.equal(rows[3]!.end_time, 138 / 25);
  assert.equal(rows[4]!.width, 180);
});

test('readIndex and writeIndex round-trip, so a takedown can rewrite the index without some rows', async () => {
  const out = await outDir();
  await pack(out, cfg, RUN);
  const file = path.join(out, 'index.parquet');
  const rows = await readIndex(file);
  assert.equal(rows.length, 6);
  assert.deepEqual(rows[3]!.signals, { motion: 0.2, duration: 99 });
  assert.deepEqual(rows[0]!.source_metadata, { title: 'A film', uploader: 'Ada' });
  assert.equal(rows[0]!.source_bytes, 123456);
  const copy = path.join(out, 'copy.parquet');
  await writeIndex(copy, rows);
  assert.equal(await sha256(copy), await sha256(file));

  await writeIndex(copy, rows.filter((r) => r.source_id !== 'src-a'));
  const [left] = await query(`SELECT count(*) AS n, list(DISTINCT source_id) AS ids FROM read_parquet('${copy}')`);
  assert.deepEqual(left, { n: '2', ids: ['src-b'] });
});

test('stats.json counts sources, clips, hours, licences and timings', async () => {
  const out = await outDir();
  await pack(out, cfg, RUN);
  const stats = JSON.parse(await fs.readFile(path.join(out, 'stats.json'), 'utf8'));
  assert.equal(stats.count, 5);
  assert.equal(stats.successes, 2);
  assert.equal(stats.failed_to_download, 1);
  assert.equal(stats.failed_to_subsample, 1);
  assert.equal(stats.duration, 100);
  assert.equal(stats.bytes_downloaded, 123456);
  assert.deepEqual(stats.status_dict, { corrupt_video: 1, http_not_found: 1, refused_license: 1, success: 2 });
  assert.equal(stats.start_time, RUN.startedAt);
  assert.equal(stats.end_time, RUN.finishedAt);
  assert.deepEqual(stats.sources, {
    total: 5, done: 2, failed: 2, refused: 1, unreadable: 2,
    by_error_code: { corrupt_video: 1, http_not_found: 1 }, refused_by_reason: { refused_license: 1 },
    done_by_licence: { 'CC-BY-4.0': 1, unknown: 1 },
  });
  assert.deepEqual(stats.clips, { total: 6, kept: 4, dropped: 2, dropped_by_reason: { missing_file: 1, motion: 1 } });
  assert.equal(stats.hours.source_video_hours, 9 / 3600);
  assert.ok(Math.abs(stats.hours.kept_clip_hours - (1 + 1 + 2.52 + 1) / 3600) < 1e-12);
  assert.deepEqual(Object.keys(stats.licences), ['CC-BY-4.0', 'unknown']);
  assert.equal(stats.licences['CC-BY-4.0'].sources, 1);
  assert.equal(stats.licences['CC-BY-4.0'].clips, 3);
  assert.equal(stats.licences.unknown.clips, 1);
  assert.deepEqual(stats.timings, { fetch: 1.75, probe: 1.1, total: 6 });
  assert.equal(stats.throughput.sources_per_sec, 5 / 100);
  assert.equal(stats.shards.count, 3);
  assert.deepEqual(stats.shards.clips_by_bucket, { '144p-9x16-d0-2': 1, 'lt144p-16x9-d0-2': 2, 'lt144p-16x9-d2-5': 1 });
});

test('packing twice gives byte-identical shards and index', async () => {
  const out = await outDir();
  const first = await pack(out, cfg, RUN);
  const hashes = async (): Promise<string[]> =>
    Promise.all([...(await shardFiles(out)), 'index.parquet'].map((f) => sha256(path.join(out, f))));
  const before = await hashes();
  assert.deepEqual(first.shards.map((s) => s.sha256), before.slice(0, 3));
  const second = await pack(out, cfg, { startedAt: RUN.startedAt, finishedAt: '2024-01-02T00:00:00.000Z' });
  assert.deepEqual(await hashes(), before);
  assert.deepEqual(second.removedShards, []);
  // A fresh directory with the same records and clips gives the same bytes too.
  const other = await outDir();
  await pack(other, cfg, RUN);
  assert.deepEqual(
    await Promise.all([...(await shardFiles(other)), 'index.parquet'].map((f) => sha256(path.join(other, f)))),
    before,
  );
});

test('shards roll over at shardBytes, and a later pack removes shards it no longer produces', async () => {
  const out = await outDir();
  const progress: Array<[number, number]> = [];
  const tiny = await pack(out, PackConfig.parse({ shardBytes: 1 }), RUN, { onProgress: (d, t) => progress.push([d, t]) });
  assert.deepEqual(await shardFiles(out), [
    'shards/144p-9x16-d0-2/shard-000000.tar',
    'shards/lt144p-16x9-d0-2/shard-000000.tar',
    'shards/lt144p-16x9-d0-2/shard-000001.tar',
    'shards/lt144p-16x9-d2-5/shard-000000.tar',
  ]);
  assert.ok(tiny.shards.every((s) => s.clips === 1));
  assert.deepEqual(progress.at(-1), [4, 4]);
  const names = (await readTar(path.join(out, 'shards/lt144p-16x9-d0-2/shard-000001.tar'))).map((m) => m.name);
  assert.deepEqual(names, ['src-a-25-49.json', 'src-a-25-49.mp4']);

  // A leftover temporary shard and an unrelated file under shards/.
  await fs.writeFile(path.join(out, 'shards/lt144p-16x9-d2-5/shard-000003.tar.tmp'), 'partial');
  await fs.writeFile(path.join(out, 'shards/README.txt'), 'keep me');
  const again = await pack(out, cfg, RUN);
  assert.deepEqual(again.removedShards, [
    'shards/lt144p-16x9-d0-2/shard-000001.tar',
    'shards/lt144p-16x9-d2-5/shard-000003.tar.tmp',
  ]);
  assert.equal((await shardFiles(out)).length, 3);
  assert.equal(await fs.readFile(path.join(out, 'shards/README.txt'), 'utf8'), 'keep me');
});

test('the duplicate hook drops marked copies from the shards and records duplicate_of', async () => {
  const out = await outDir();
  let seen: ClipRow[] = [];
  const summary = await pack(out, cfg, RUN, {
    markDuplicates: (clips) => {
      seen = clips;
      return new Map([
        ['src-a-25-49', 'src-a-0-24'],
        ['src-b-0-24', 'src-a-50-74'], // points at a dropped clip: ignored
      ]);
    },
  });
  assert.deepEqual(seen.map((c) => c.clip_id), ['src-a-0-24', 'src-a-25-49', 'src-a-75-137', 'src-b-0-24']);
  assert.equal(summary.duplicates, 1);
  const names = (await readTar(path.join(out, 'shards/lt144p-16x9-d0-2/shard-000000.tar'))).map((m) => m.name);
  assert.deepEqual(names, ['src-a-0-24.json', 'src-a-0-24.mp4', 'src-a-0-24.txt']);
  const [row] = await query(
    `SELECT status, reason, duplicate_of, shard FROM read_parquet('${path.join(out, 'index.parquet')}') WHERE clip_id = 'src-a-25-49'`,
  );
  assert.deepEqual(row, { status: 'dropped', reason: 'duplicate', duplicate_of: 'src-a-0-24', shard: null });
  assert.equal(summary.stats.clips.dropped_by_reason.duplicate, 1);
});

test('summarizeOutput counts from the records before a pack, and reads the index and stats after', async () => {
  const out = await outDir();
  const live = await summarizeOutput(out);
  assert.equal(live.sources.total, 5);
  assert.equal(live.sources.unreadable, 2);
  assert.deepEqual(live.clips, { total: 6, kept: 5, dropped: 1, dropped_by_reason: { motion: 1 } });
  assert.equal(live.stats, null);
  assert.equal(live.index, null);
  await pack(out, cfg, RUN);
  const packed = await summarizeOutput(out);
  assert.deepEqual(packed.index, { rows: 6, kept: 4, dropped: 2 });
  assert.equal(packed.stats?.clips.kept, 4);
});

test('an output directory without records packs to an empty index and zero stats', async () => {
  const out = await outDir();
  for (const sub of ['sources', 'clips']) await fs.rm(path.join(out, sub), { recursive: true });
  const summary = await pack(out, cfg, RUN);
  assert.deepEqual(summary.shards, []);
  const [totals] = await query(`SELECT count(*) AS n FROM read_parquet('${path.join(out, 'index.parquet')}')`);
  assert.deepEqual(totals, { n: '0' });
  assert.equal(summary.stats.count, 0);
  assert.equal(summary.stats.hours.kept_clip_hours, 0);
});
