import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { PackConfig } from '../../src/config/schema.js';
import type { DedupRow } from '../../src/pack/dedup.js';
import { openDuplicateIndex, type DuplicateIndex } from '../../src/pack/duplicate-index.js';
import { listParts, partFiles, readManifest } from '../../src/pack/index-parts.js';
import { readIndexFile, writeIndexFile } from '../../src/pack/index-parquet.js';
import { pack, readIndex, summarizeOutput } from '../../src/pack/index.js';
import { markPending } from '../../src/pack/part-markers.js';
import { writeJournal } from '../../src/pack/part-layout.js';
import type { SourceRecord } from '../../src/types.js';
import { outDirMaker, readTar, RECORDS, signature } from './fixture.js';

const RUN = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:40.000Z' };
const cfg = PackConfig.parse({});
const outDir = outDirMaker();
const PART = String.raw`\d{8}T\d{6}-[0-9a-f]{8}-\d{6}`;

async function shardFiles(out: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(out, 'shards'), { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith('.tar')).map((e) => `shards/${e.split(path.sep).join('/')}`).sort();
}

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await fs.readFile(file)).digest('hex');
const shardHashes = async (out: string): Promise<Map<string, string>> =>
  new Map(await Promise.all((await shardFiles(out)).map(async (f) => [f, await sha256(path.join(out, f))] as const)));

const indexGlob = (out: string): string => path.join(out, 'index/parts/*.parquet');

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
  assert.equal(summary.parts.length, 1, 'the sweep commits the marked sources into one part');
  const part = summary.parts[0]!;
  assert.match(part, new RegExp(`^${PART}$`));
  assert.deepEqual(await shardFiles(out), [
    `shards/144p-9x16-d0-2/${part}-0.tar`,
    `shards/lt144p-16x9-d0-2/${part}-0.tar`,
    `shards/lt144p-16x9-d2-5/${part}-0.tar`,
  ]);
  assert.deepEqual(summary.shards.map((s) => s.path).sort(), await shardFiles(out));

  const members = await readTar(path.join(out, `shards/lt144p-16x9-d0-2/${part}-0.tar`));
  assert.deepEqual(members.map((m) => m.name), [
    'src-a-0-24.json', 'src-a-0-24.mp4', 'src-a-0-24.txt', 'src-a-25-49.json', 'src-a-25-49.mp4',
  ]);
  for (const m of members) {
    assert.equal(m.header.mtime.getTime(), 0);
    assert.equal(m.header.uid, 0);
    assert.equal(m.header.gid, 0);
    assert.equal(m.header.uname, '');
  }
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

  // Clips are not stored twice: the staged clip folders and markers are gone, the pending part too.
  assert.deepEqual(await fs.readdir(path.join(out, 'clips')).catch(() => []), []);
  assert.deepEqual(await fs.readdir(path.join(out, 'pending')).catch(() => []), []);
  assert.deepEqual(await listParts(out, 'pending'), []);
  assert.deepEqual(await listParts(out, 'final'), [part]);
});

test('a kept clip without its file is dropped as missing_file, and records that cannot be read are counted', async () => {
  const out = await outDir();
  const summary = await pack(out, cfg, RUN);
  assert.deepEqual(summary.missingFiles, ['src-b-25-49']);
  assert.equal(summary.stats.sources.unreadable, 2, 'src-f (partial write) and src-g (broken JSON)');
  assert.ok(summary.warnings.some((w) => /2 finished sources had no readable record/.test(w)));
  assert.deepEqual(summary.clips, { total: 6, kept: 4, dropped: 2 });
});

test('DuckDB reads the index parts: every clip, kept and dropped, with reasons, shards, signals and provenance', async () => {
  const out = await outDir();
  const { parts: [part] } = await pack(out, cfg, RUN);
  const table = `read_parquet('${indexGlob(out)}')`;
  const [totals] = await query(`SELECT count(*) AS n, count(*) FILTER (status = 'kept') AS kept, count(DISTINCT shard) AS shards FROM ${table}`);
  assert.deepEqual(totals, { n: '6', kept: '4', shards: '3' });
  const rows = await query(
    `SELECT clip_id, status, reason, shard, motion, signal_duration, exposure, license, final_uri, start_frame, end_time, width
     FROM ${table} ORDER BY clip_id`,
  );
  assert.deepEqual(rows.map((r) => [r.clip_id, r.status, r.reason]), [
    ['src-a-0-24', 'kept', null],
    ['src-a-25-49', 'kept', null],
    ['src-a-50-74', 'dropped', 'motion: 0.001'],
    ['src-a-75-137', 'kept', null],
    ['src-b-0-24', 'kept', null],
    ['src-b-25-49', 'dropped', 'missing_file'],
  ]);
  assert.equal(rows[0]!.shard, `shards/lt144p-16x9-d0-2/${part}-0.tar`);
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

test('readIndexFile and writeIndexFile round-trip, so a reduce or a takedown can rewrite a part without some rows', async () => {
  const out = await outDir();
  const { parts: [part] } = await pack(out, cfg, RUN);
  const file = partFiles(out, part!, 'final').parquet;
  const rows = await readIndexFile(file);
  assert.equal(rows.length, 6);
  assert.deepEqual(rows[3]!.signals, { motion: 0.2, duration: 99 });
  assert.deepEqual(rows[0]!.source_metadata, { title: 'A film', uploader: 'Ada' });
  assert.equal(rows[0]!.source_bytes, 123456);
  assert.deepEqual(await readIndex(out), rows, 'readIndex reads the same rows through the parts');
  const copy = path.join(out, 'copy.parquet');
  await writeIndexFile(copy, rows);
  assert.equal(await sha256(copy), await sha256(file));

  await writeIndexFile(copy, rows.filter((r) => r.source_id !== 'src-a'));
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

test('packing again changes no shard and no index part, and the same sources give the same tar bytes elsewhere', async () => {
  const out = await outDir();
  const first = await pack(out, cfg, RUN);
  const index = partFiles(out, first.parts[0]!, 'final').parquet;
  const before = await shardHashes(out);
  const indexBefore = await sha256(index);
  assert.deepEqual(first.shards.map((s) => s.sha256).sort(), [...before.values()].sort());
  const second = await pack(out, cfg, { startedAt: RUN.startedAt, finishedAt: '2024-01-02T00:00:00.000Z' });
  assert.deepEqual(second.parts, [], 'nothing was pending');
  assert.deepEqual(await shardHashes(out), before);
  assert.equal(await sha256(index), indexBefore);
  assert.equal(second.stats.clips.kept, first.stats.clips.kept, 'the totals are not counted twice');
  // A fresh directory with the same records and clips: another part id, the same tar bytes and rows.
  const other = await outDir();
  const again = await pack(other, cfg, RUN);
  assert.deepEqual([...(await shardHashes(other)).values()].sort(), [...before.values()].sort());
  const withoutShard = (rows: Awaited<ReturnType<typeof readIndexFile>>) => rows.map(({ shard: _s, ...row }) => row);
  assert.deepEqual(withoutShard(await readIndexFile(partFiles(other, again.parts[0]!, 'final').parquet)), withoutShard(await readIndexFile(index)));
});

test('tars roll over at shardBytes, and the files of a part whose writer died before its manifest are removed', async () => {
  const out = await outDir();
  // A writer killed mid-part: its journal, a finished tar and a temporary one, no manifest.
  const dead = '20240101T000000-deadbeef-000000';
  await writeJournal(out, dead);
  await fs.mkdir(path.join(out, 'shards/lt144p-16x9-d0-2'), { recursive: true });
  await fs.writeFile(path.join(out, `shards/lt144p-16x9-d0-2/${dead}-0.tar`), 'half a part');
  await fs.writeFile(path.join(out, `shards/lt144p-16x9-d0-2/${dead}-1.tar.123.abcd.tmp`), 'partial');
  await fs.writeFile(path.join(out, 'shards/README.txt'), 'keep me');

  const tiny = await pack(out, PackConfig.parse({ shardBytes: 1 }), RUN);
  assert.deepEqual(tiny.removedParts, [dead]);
  assert.ok(tiny.shards.every((s) => s.clips === 1));
  const partOfA = (await Promise.all(tiny.parts.map((p) => readManifest(out, p, 'final')))).find((m) => m!.sources.includes('src-a'))!;
  assert.deepEqual(partOfA.shards.map((s) => s.path).sort(), [
    `shards/lt144p-16x9-d0-2/${partOfA.part}-0.tar`,
    `shards/lt144p-16x9-d0-2/${partOfA.part}-1.tar`,
    `shards/lt144p-16x9-d2-5/${partOfA.part}-0.tar`,
  ]);
  const names = (await readTar(path.join(out, `shards/lt144p-16x9-d0-2/${partOfA.part}-1.tar`))).map((m) => m.name);
  assert.deepEqual(names, ['src-a-25-49.json', 'src-a-25-49.mp4']);
  assert.ok((await shardFiles(out)).every((f) => !f.includes(dead)));
  assert.equal(await fs.readFile(path.join(out, 'shards/README.txt'), 'utf8'), 'keep me');
  assert.equal(tiny.stats.shards.count, 4);

  // Parts of sources with different signals (and of failed sources, without rows) share one schema,
  // so a plain read_parquet of the glob (which takes the first file's columns) misses none.
  assert.ok(tiny.parts.length > 2);
  const schemas = await Promise.all(tiny.parts.map(async (p) => (await query(`DESCRIBE SELECT * FROM read_parquet('${partFiles(out, p, 'final').parquet}')`)).map((r) => r.column_name)));
  for (const schema of schemas) assert.deepEqual(schema, schemas[0]);
  const [signals] = await query(`SELECT count(motion) AS motion, count(exposure) AS exposure FROM read_parquet('${indexGlob(out)}')`);
  assert.deepEqual(signals, { motion: '4', exposure: '1' });
});

/** A duplicate index that answers fixed verdicts and remembers what it was asked and given. */
class FixedVerdicts implements DuplicateIndex {
  asked: DedupRow[] = [];
  added = new Map<string, string[]>();
  constructor(private readonly verdicts: Map<string, string>) {}
  async findDuplicates(batch: DedupRow[]) {
    this.asked = batch;
    return this.verdicts;
  }
  async add(runId: string, rows: DedupRow[]) {
    this.added.set(runId, rows.map((r) => r.clipId));
  }
  async close() {}
}

test('the duplicate index drops marked copies from the tars, records duplicate_of, and learns the kept clips', async () => {
  const out = await outDir();
  const index = new FixedVerdicts(new Map([
    ['src-a-25-49', 'src-a-0-24'],
    ['src-b-0-24', 'src-a-50-74'], // points at a dropped pending clip: ignored
  ]));
  const summary = await pack(out, cfg, RUN, { duplicateIndex: async () => index });
  assert.deepEqual(index.asked.map((c) => c.clipId), ['src-a-0-24', 'src-a-25-49'], 'the kept clips that have a signature');
  assert.equal(summary.duplicates, 1);
  const part = summary.parts[0]!;
  const names = (await readTar(path.join(out, `shards/lt144p-16x9-d0-2/${part}-0.tar`))).map((m) => m.name);
  assert.deepEqual(names, ['src-a-0-24.json', 'src-a-0-24.mp4', 'src-a-0-24.txt'], 'the pending tar was rewritten without the copy');
  const manifest = await readManifest(out, part, 'final');
  const shard = manifest!.shards.find((s) => s.path.includes('lt144p-16x9-d0-2'))!;
  assert.equal(shard.clips, 1);
  assert.equal(shard.sha256, await sha256(path.join(out, shard.path)));
  const [row] = await query(`SELECT status, reason, duplicate_of, shard FROM read_parquet('${indexGlob(out)}') WHERE clip_id = 'src-a-25-49'`);
  assert.deepEqual(row, { status: 'dropped', reason: 'duplicate', duplicate_of: 'src-a-0-24', shard: null });
  assert.equal(summary.stats.clips.dropped_by_reason.duplicate, 1);
  assert.deepEqual(index.added.get(part), ['src-a-0-24']);
});

test('an append adds a part, dedups the new clips against the dataset, leaves existing tars byte-identical and sums the totals', async () => {
  const out = await outDir();
  const records = new Map(RECORDS.map((r) => [r.id, structuredClone(r)]));
  // Real signatures on src-a's kept clips before the first pack.
  const a = records.get('src-a')!;
  a.clips.forEach((clip, i) => clip.status === 'kept' && (clip.signature = signature(i + 1)));
  await fs.writeFile(path.join(out, 'sources/src-a.json'), JSON.stringify(a));
  const first = await pack(out, cfg, RUN, { duplicateIndex: () => openDuplicateIndex(out) });
  const before = await shardHashes(out);
  const firstIndex = await sha256(partFiles(out, first.parts[0]!, 'final').parquet);

  // New source src-h: one copy of src-a-0-24 (near-identical signature, fewer pixels) and one new clip.
  const h: SourceRecord = structuredClone(records.get('src-b')!);
  h.id = 'src-h';
  h.uri = '/data/h.mp4';
  h.clips = [
    { ...structuredClone(a.clips[0]!), clipId: 'src-h-0-24', file: 'clips/src-h/src-h-0-24.mp4', width: 120, height: 68, caption: undefined, signature: signature(1, 3) },
    { ...structuredClone(a.clips[3]!), clipId: 'src-h-75-137', file: 'clips/src-h/src-h-75-137.mp4', signature: signature(9) },
  ] as SourceRecord['clips'];
  await fs.writeFile(path.join(out, 'sources/src-h.json'), JSON.stringify(h));
  await fs.mkdir(path.join(out, 'clips/src-h'), { recursive: true });
  for (const clip of h.clips) await fs.writeFile(path.join(out, clip.file!), `bytes of ${clip.clipId}`);
  await markPending(out, 'src-h');

  const second = await pack(out, cfg, { startedAt: '2024-01-03T00:00:00.000Z', finishedAt: '2024-01-03T00:00:10.000Z' }, { duplicateIndex: () => openDuplicateIndex(out) });
  assert.equal(second.parts.length, 1);
  assert.notEqual(second.parts[0], first.parts[0]);
  assert.equal(second.duplicates, 1);
  for (const [file, hash] of before) assert.equal((await shardHashes(out)).get(file), hash, `${file} unchanged`);
  assert.equal(await sha256(partFiles(out, first.parts[0]!, 'final').parquet), firstIndex, 'the first part is not rewritten');

  const rows = await query(`SELECT clip_id, status, reason, duplicate_of FROM read_parquet('${indexGlob(out)}') WHERE source_id = 'src-h' ORDER BY clip_id`);
  assert.deepEqual(rows, [
    { clip_id: 'src-h-0-24', status: 'dropped', reason: 'duplicate', duplicate_of: 'src-a-0-24' },
    { clip_id: 'src-h-75-137', status: 'kept', reason: null, duplicate_of: null },
  ]);
  const stats = second.stats;
  assert.equal(stats.count, 6);
  assert.deepEqual(stats.clips, { total: 8, kept: 5, dropped: 3, dropped_by_reason: { duplicate: 1, missing_file: 1, motion: 1 } });
  assert.equal(stats.shards.count, first.stats.shards.count + 1);
  assert.equal(stats.duration, 10, "the run's own time");
  const [count] = await query(`SELECT count(*) AS n FROM read_parquet('${indexGlob(out)}')`);
  assert.deepEqual(count, { n: '8' });
});

test('a pack killed after making its parts final but before the totals finishes them once, never counting a part twice', async () => {
  const out = await outDir();
  await pack(out, cfg, RUN);
  const totalsFile = path.join(out, 'index/totals.json');
  const totals = JSON.parse(await fs.readFile(totalsFile, 'utf8'));
  // `unreadable` counts the records this pack could not read (their sources are redone), not a total.
  const statsNow = async () => {
    const stats = JSON.parse(await fs.readFile(path.join(out, 'stats.json'), 'utf8'));
    return { ...stats, sources: { ...stats.sources, unreadable: undefined } };
  };
  const stats = await statsNow();
  // The state of a crash between step 3 and step 4: the journal names the part, the totals lack it.
  const [part] = await listParts(out, 'final');
  const empty = { ...JSON.parse(JSON.stringify(totals, (_k, v) => (typeof v === 'number' ? 0 : v))), version: 1, columns: [] };
  await fs.writeFile(path.join(out, 'index/totals-journal.json'), JSON.stringify({ parts: [part], base: empty }));
  await fs.writeFile(totalsFile, JSON.stringify(empty));
  await pack(out, cfg, RUN);
  assert.deepEqual(JSON.parse(await fs.readFile(totalsFile, 'utf8')), totals);
  assert.deepEqual(await statsNow(), stats);
  await assert.rejects(fs.stat(path.join(out, 'index/totals-journal.json')), { code: 'ENOENT' });
  await pack(out, cfg, RUN);
  assert.deepEqual(JSON.parse(await fs.readFile(totalsFile, 'utf8')), totals, 'and again: nothing is added twice');
});

test('summarizeOutput counts from the records before a pack, and reads the index totals after', async () => {
  const out = await outDir();
  const live = await summarizeOutput(out);
  assert.equal(live.sources.total, 5);
  assert.equal(live.sources.unreadable, 2);
  assert.deepEqual(live.clips, { total: 6, kept: 5, dropped: 1, dropped_by_reason: { motion: 1 } });
  assert.equal(live.stats, null);
  assert.equal(live.index, null);
  await pack(out, cfg, RUN);
  const packed = await summarizeOutput(out);
  assert.deepEqual(packed.index, { rows: 6, kept: 4, dropped: 2, parts: 1 });
  assert.equal(packed.pendingParts, 0);
  assert.equal(packed.stats?.clips.kept, 4);
});

test('an output directory without records packs to no index part and zero stats', async () => {
  const out = await outDir();
  for (const sub of ['sources', 'clips', 'pending']) await fs.rm(path.join(out, sub), { recursive: true });
  const summary = await pack(out, cfg, RUN);
  assert.deepEqual(summary.shards, []);
  assert.deepEqual(await listParts(out, 'final'), []);
  assert.equal(await readIndex(out), undefined);
  assert.equal(summary.stats.count, 0);
  assert.equal(summary.stats.hours.kept_clip_hours, 0);
  const card = await fs.readFile(path.join(out, 'README.md'), 'utf8');
  assert.match(card, /index\/parts\/\*\.parquet/);
});
