/**
 * A finished output directory (layout v2) built by hand for takedown tests: five sources with
 * records, real MP4 clip files (one tiny ffmpeg clip, copied), three final parts whose WebDataset
 * tars are written with tar-stream and whose index rows and manifests with the pack's own writers,
 * and the dataset totals. Which clip sits in which part and tar is fixed here.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { partFiles, writeManifest } from '../../src/pack/index-parts.js';
import { writeIndexFile } from '../../src/pack/index-parquet.js';
import { shardTotals } from '../../src/pack/stats.js';
import { clipRows, type ClipRow } from '../../src/pack/rows.js';
import { partTallies, SourceTally } from '../../src/pack/stats.js';
import { beginTotalsUpdate, finishTotalsUpdate } from '../../src/pack/totals.js';
import { canonicalUri, sourceId } from '../../src/sources/ids.js';
import { OUTPUT_MARKER } from '../../src/store/output.js';
import type { ClipRecord, SourceRecord } from '../../src/types.js';
import { lavfiVideo } from '../helpers/media.js';

export interface FixtureSource {
  name: string;
  uri: string;
  id: string;
  license: string;
  clipIds: string[];
}

export interface Fixture {
  dir: string;
  sources: Record<string, FixtureSource>;
  /** Shard path (relative) → clip ids in it, in member order. */
  shards: Record<string, string[]>;
  clipBytes: number;
}

/** The three final parts: a, b and c; d; e. */
export const PARTS = { abc: '20240101T000000-0000000a-000000', d: '20240101T000000-0000000a-000001', e: '20240101T000000-0000000a-000002' };
/** Their tars: a and b's first clip, b's second and c, d, e. */
export const SHARD = {
  ab: `shards/90p-16x9-d0-2/${PARTS.abc}-0.tar`,
  bc: `shards/90p-16x9-d0-2/${PARTS.abc}-1.tar`,
  d: `shards/other/${PARTS.d}-0.tar`,
  e: `shards/solo/${PARTS.e}-0.tar`,
};

const LICENSES: Record<string, string> = { a: 'CC-BY-4.0', b: 'CC-BY-4.0', c: 'CC-BY-SA-4.0', d: 'CC0-1.0', e: 'CC-BY-NC-4.0' };
const CLIPS_PER_SOURCE = 2;

function makeSource(name: string): FixtureSource {
  const uri = canonicalUri(`https://videos.example.com/${name}.mp4`);
  const id = sourceId(uri);
  const clipIds = Array.from({ length: CLIPS_PER_SOURCE }, (_, i) => `${id}-${i * 25}-${i * 25 + 24}`);
  return { name, uri, id, license: LICENSES[name]!, clipIds };
}

function recordOf(s: FixtureSource, clipBytes: number): SourceRecord {
  const clips: ClipRecord[] = s.clipIds.map((clipId, i) => ({
    clipId, startFrame: i * 25, endFrame: i * 25 + 24, startTime: i, endTime: i + 1, duration: 1,
    status: 'kept', file: `clips/${s.id}/${clipId}.mp4`, width: 160, height: 90, fps: 25, bytes: clipBytes,
    caption: `clip ${i} of ${s.name}`,
  }));
  // Source a also has a dropped clip: it is in the index but in no shard.
  if (s.name === 'a') {
    clips.push({ clipId: `${s.id}-50-60`, startFrame: 50, endFrame: 60, startTime: 2, endTime: 2.44, duration: 0.44, status: 'dropped', reason: 'too_short: 0.44' });
  }
  const now = '2024-01-01T00:00:00.000Z';
  return {
    version: 1, id: s.id, uri: s.uri, kind: 'http', status: 'done', origin: { input: 'manifest.csv', line: 2 },
    metadata: { title: `Video ${s.name}`, uploader: `Uploader ${s.name.toUpperCase()}` }, license: s.license,
    clips, timings: { total: 1 }, startedAt: now, finishedAt: now,
  };
}

async function writeTar(file: string, members: Array<{ name: string; data: Buffer }>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(file));
  for (const m of members) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: m.name, size: m.data.length, mtime: new Date(0), mode: 0o644 }, m.data, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await done;
}

export async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/**
 * Shard layout: tar 0 of part abc (bucket 90p) holds a, b[0]; its tar 1 holds b[1], c; part d's
 * tar (bucket other) holds d; part e's (bucket solo) holds e only (so taking e down empties it).
 */
export async function buildFixture(opts: { pending?: boolean } = {}): Promise<Fixture> {
  // Pending: the parts as their writers committed them, before any reduce (no totals yet).
  const state = opts.pending ? 'pending' : 'final';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-takedown-'));
  await writeFile(path.join(dir, OUTPUT_MARKER), '');
  const clip = await lavfiVideo(path.join(dir, 'clip.mp4'), 'testsrc2=s=160x90:r=25', 1);
  const clipData = await readFile(clip);
  const sources = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [n, makeSource(n)]));
  const { a, b, c, d, e } = sources as Record<string, FixtureSource>;
  const shards: Record<string, string[]> = {
    [SHARD.ab]: [...a!.clipIds, b!.clipIds[0]!],
    [SHARD.bc]: [b!.clipIds[1]!, ...c!.clipIds],
    [SHARD.d]: [...d!.clipIds],
    [SHARD.e]: [...e!.clipIds],
  };
  const partSources: Record<string, FixtureSource[]> = { [PARTS.abc]: [a!, b!, c!], [PARTS.d]: [d!], [PARTS.e]: [e!] };
  const shardOf = new Map(Object.entries(shards).flatMap(([shard, ids]) => ids.map((id) => [id, shard] as const)));
  for (const [shard, ids] of Object.entries(shards)) {
    const members = ids.flatMap((id) => [
      { name: `${id}.json`, data: Buffer.from(JSON.stringify({ key: id })) },
      { name: `${id}.mp4`, data: clipData },
      { name: `${id}.txt`, data: Buffer.from(`caption of ${id}`) },
    ]);
    await writeTar(path.join(dir, shard), members);
  }
  // As a reduce does: the totals update is journalled before the parts become final.
  const journal = opts.pending ? undefined : await beginTotalsUpdate(dir, Object.values(PARTS));
  for (const [part, members] of Object.entries(partSources)) {
    const rows: ClipRow[] = [];
    const tally = new SourceTally();
    for (const s of members) {
      const record = recordOf(s, clipData.length);
      await mkdir(path.join(dir, 'sources'), { recursive: true });
      await writeFile(path.join(dir, 'sources', `${s.id}.json`), JSON.stringify(record, null, 2));
      await mkdir(path.join(dir, 'clips', s.id), { recursive: true });
      for (const clipId of s.clipIds) await copyFile(clip, path.join(dir, 'clips', s.id, `${clipId}.mp4`));
      for (const row of clipRows(record)) rows.push({ ...row, shard: shardOf.get(row.clip_id) ?? null });
      tally.add(record);
    }
    const partShards = await Promise.all(
      Object.entries(shards).filter(([shard]) => shard.includes(part)).map(async ([shard, ids]) => ({
        path: shard, bucket: path.posix.basename(path.posix.dirname(shard)), clips: ids.length,
        bytes: (await readFile(path.join(dir, shard))).length, sha256: await sha256(path.join(dir, shard)),
      })),
    );
    await writeIndexFile(partFiles(dir, part, state).parquet, rows);
    await writeManifest(dir, { version: 1, part, sources: members.map((s) => s.id), shards: partShards, stats: partTallies(tally, rows, shardTotals(partShards)) }, state);
  }
  if (journal) await finishTotalsUpdate(dir, journal);
  return { dir, sources, shards, clipBytes: clipData.length };
}
