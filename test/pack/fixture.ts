/**
 * A fake output directory for pack tests: hand-written source records (done, failed, refused),
 * real little MP4 clips made by ffmpeg, a partial `.tmp` record and a broken one. Every source is
 * marked pending (`pending/<id>`), as a run leaves sources whose part its writer never committed,
 * so pack's sweep commits them into parts first.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import tar from 'tar-stream';
import { markPending } from '../../src/pack/part-markers.js';
import type { KeptClip, SourceRecord } from '../../src/types.js';
import { ffmpeg } from '../helpers/media.js';

export interface ClipSpec {
  lavfi: string;
  width: number;
  height: number;
  seconds: number;
}

/** Clip id -> the real file to make for it. */
export const CLIP_FILES: Record<string, ClipSpec> = {
  'src-a-0-24': { lavfi: 'testsrc2', width: 160, height: 90, seconds: 1 },
  'src-a-25-49': { lavfi: 'mandelbrot', width: 160, height: 90, seconds: 1 },
  'src-a-75-137': { lavfi: 'smptebars', width: 160, height: 90, seconds: 2.5 },
  'src-b-0-24': { lavfi: 'testsrc2', width: 180, height: 320, seconds: 1 },
};

/** Makes every clip file once, into a cache folder reused by each test's output directory. */
export async function makeClipCache(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clipmill-pack-clips-'));
  for (const [clipId, spec] of Object.entries(CLIP_FILES)) {
    await ffmpeg([
      '-f', 'lavfi', '-i', `${spec.lavfi}=size=${spec.width}x${spec.height}:rate=25`, '-t', String(spec.seconds),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(dir, `${clipId}.mp4`),
    ]);
  }
  return dir;
}

function keptClip(clipId: string, startFrame: number, endFrame: number, extra: Partial<KeptClip> = {}): KeptClip {
  const spec = CLIP_FILES[clipId];
  const sourceId = clipId.split('-').slice(0, 2).join('-');
  return {
    clipId, startFrame, endFrame, startTime: startFrame / 25, endTime: (endFrame + 1) / 25,
    duration: (endFrame + 1 - startFrame) / 25, status: 'kept', file: `clips/${sourceId}/${clipId}.mp4`,
    width: spec?.width ?? 160, height: spec?.height ?? 90, fps: 25, bytes: 1000, ...extra,
  };
}

const base = { version: 1 as const, origin: { input: 'manifest.csv' }, metadata: {}, startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:05.000Z' };
const probe = (width: number, height: number, durationSec: number): SourceRecord['probe'] => ({
  container: 'mov,mp4', durationSec, sizeBytes: 5000,
  video: { codec: 'h264', width, height, fps: 25, frameCount: durationSec * 25, frameCountExact: true, rotation: 0, variableFrameRate: false },
});

export const RECORDS: SourceRecord[] = [
  {
    ...base, id: 'src-a', uri: 'https://example.test/a.mp4', kind: 'http', status: 'done', license: 'CC-BY-4.0',
    origin: { input: 'manifest.csv', line: 2 }, metadata: { title: 'A film', uploader: 'Ada' },
    provenance: { finalUri: 'https://cdn.example.test/a.mp4', retrievedAt: '2024-01-01T00:00:01.000Z', bytes: 123456, sha256: 'aa'.repeat(32) },
    probe: probe(160, 90, 6),
    clips: [
      keptClip('src-a-0-24', 0, 24, { caption: 'A test pattern.', signals: { motion: 0.5, sharpness: 12 }, signature: 'ff00' }),
      keptClip('src-a-25-49', 25, 49, { signals: { motion: 0.7, sharpness: 9 }, signature: 'ff01' }),
      { clipId: 'src-a-50-74', startFrame: 50, endFrame: 74, startTime: 2, endTime: 3, duration: 1, status: 'dropped', reason: 'motion: 0.001', signals: { motion: 0.001 } },
      keptClip('src-a-75-137', 75, 137, { signals: { motion: 0.2, duration: 99 } }),
    ],
    timings: { fetch: 1, probe: 0.5, total: 4 },
  },
  {
    ...base, id: 'src-b', uri: '/data/b.mp4', kind: 'file', status: 'done',
    provenance: { finalUri: '/data/b.mp4', retrievedAt: '2024-01-01T00:00:02.000Z', bytes: 999, sha256: 'bb'.repeat(32) },
    probe: probe(180, 320, 3),
    clips: [
      keptClip('src-b-0-24', 0, 24, { signals: { exposure: 0.4 } }),
      keptClip('src-b-25-49', 25, 49),
    ],
    timings: { fetch: 0.25, probe: 0.5, total: 2 },
  },
  { ...base, id: 'src-c', uri: 'https://example.test/c.mp4', kind: 'http', status: 'failed', clips: [], timings: { fetch: 0.5 }, error: { code: 'http_not_found', message: 'Not found.', transient: false } },
  { ...base, id: 'src-d', uri: 'https://example.test/d.mp4', kind: 'http', status: 'refused', license: 'CC-BY-NC-4.0', clips: [], timings: {}, error: { code: 'refused_license', message: 'NC licence under commercial use.', transient: false } },
  { ...base, id: 'src-e', uri: '/data/e.mp4', kind: 'file', status: 'failed', clips: [], timings: { probe: 0.1 }, error: { code: 'corrupt_video', message: 'Corrupt.', transient: false } },
];

/** A fresh output directory: records, a partial and a broken record, and the clip files (src-b-25-49's is missing). */
export async function makeOutDir(clipCache: string): Promise<string> {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'clipmill-pack-out-'));
  await fs.mkdir(path.join(out, 'sources'));
  // Written in reverse to show that order comes from the ids, not from the directory.
  for (const record of [...RECORDS].reverse()) {
    await fs.writeFile(path.join(out, 'sources', `${record.id}.json`), JSON.stringify(record));
  }
  await fs.writeFile(path.join(out, 'sources', 'src-f.json.tmp'), '{"version":1,"id":"src-f"');
  await fs.writeFile(path.join(out, 'sources', 'src-g.json'), '{"version":1,');
  for (const id of [...RECORDS.map((r) => r.id), 'src-f', 'src-g']) await markPending(out, id);
  for (const clipId of Object.keys(CLIP_FILES)) {
    const sourceId = clipId.split('-').slice(0, 2).join('-');
    await fs.mkdir(path.join(out, 'clips', sourceId), { recursive: true });
    await fs.copyFile(path.join(clipCache, `${clipId}.mp4`), path.join(out, 'clips', sourceId, `${clipId}.mp4`));
  }
  return out;
}

/**
 * For a test file: makes the clip cache before its tests and returns a maker of fresh output
 * directories; the cache and every directory made are removed after its tests.
 */
export function outDirMaker(): () => Promise<string> {
  let clipCache = '';
  const dirs: string[] = [];
  before(async () => {
    clipCache = await makeClipCache();
  });
  after(async () => {
    for (const dir of [clipCache, ...dirs]) await fs.rm(dir, { recursive: true, force: true });
  });
  return async () => {
    const dir = await makeOutDir(clipCache);
    dirs.push(dir);
    return dir;
  };
}

export interface TarMember {
  name: string;
  header: { mtime: Date; uid: number; gid: number; mode: number; uname: string; gname: string };
  data: Buffer;
}

export async function readTar(file: string): Promise<TarMember[]> {
  const extract = tar.extract();
  const members: TarMember[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        members.push({ name: header.name, header, data: Buffer.concat(chunks) });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(await fs.readFile(file));
  await done;
  return members;
}

/** A signature of four 64-bit hashes; `flip` changes the low bits of each, so 0 and 1 are near-duplicates and 0 and 0xffff not. */
export const signature = (seed: number, flip = 0): string =>
  Array.from({ length: 4 }, (_, i) => ((BigInt(seed) * 0x9e3779b97f4a7c15n + BigInt(i) * 0x632be59bd9b4e019n) ^ BigInt(flip)) & 0xffffffffffffffffn)
    .map((h) => h.toString(16).padStart(16, '0'))
    .join('');
