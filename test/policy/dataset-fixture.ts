/**
 * A finished output directory built by hand for takedown tests: five sources with records, real
 * MP4 clip files (one tiny ffmpeg clip, copied), WebDataset shards written with tar-stream and an
 * index written with the pack's index writer. Which clip sits in which shard is fixed here.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { writeIndex } from '../../src/pack/index-parquet.js';
import { clipRows } from '../../src/pack/rows.js';
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
 * Shard layout: shard 0 of bucket 90p holds a, b[0]; shard 1 holds b[1], c; bucket other holds
 * d; bucket solo holds e only (so taking e down empties it).
 */
export async function buildFixture(): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-takedown-'));
  await writeFile(path.join(dir, OUTPUT_MARKER), '');
  const clip = await lavfiVideo(path.join(dir, 'clip.mp4'), 'testsrc2=s=160x90:r=25', 1);
  const clipData = await readFile(clip);
  const sources = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [n, makeSource(n)]));
  const { a, b, c, d, e } = sources as Record<string, FixtureSource>;
  const shards: Record<string, string[]> = {
    'shards/90p-16x9-d0-2/shard-000000.tar': [...a!.clipIds, b!.clipIds[0]!],
    'shards/90p-16x9-d0-2/shard-000001.tar': [b!.clipIds[1]!, ...c!.clipIds],
    'shards/other/shard-000000.tar': [...d!.clipIds],
    'shards/solo/shard-000000.tar': [...e!.clipIds],
  };
  const shardOf = new Map(Object.entries(shards).flatMap(([shard, ids]) => ids.map((id) => [id, shard] as const)));
  const rows = [];
  for (const s of Object.values(sources)) {
    const record = recordOf(s, clipData.length);
    await mkdir(path.join(dir, 'sources'), { recursive: true });
    await writeFile(path.join(dir, 'sources', `${s.id}.json`), JSON.stringify(record, null, 2));
    await mkdir(path.join(dir, 'clips', s.id), { recursive: true });
    for (const clipId of s.clipIds) await copyFile(clip, path.join(dir, 'clips', s.id, `${clipId}.mp4`));
    for (const row of clipRows(record)) rows.push({ ...row, shard: shardOf.get(row.clip_id) ?? null });
  }
  await writeIndex(path.join(dir, 'index.parquet'), rows);
  for (const [shard, ids] of Object.entries(shards)) {
    const members = ids.flatMap((id) => [
      { name: `${id}.json`, data: Buffer.from(JSON.stringify({ key: id })) },
      { name: `${id}.mp4`, data: clipData },
      { name: `${id}.txt`, data: Buffer.from(`caption of ${id}`) },
    ]);
    await writeTar(path.join(dir, shard), members);
  }
  return { dir, sources, shards, clipBytes: clipData.length };
}
