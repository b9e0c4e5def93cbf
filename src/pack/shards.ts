/**
 * WebDataset tar shards. Each kept clip becomes the members `<key>.json` (its index row: clip
 * metadata, signals, source URI, licence and provenance), `<key>.mp4`, `<key>.txt` when it has a
 * caption and `<key>.jpg` when a thumbnail maker is given; the key is the clip id (characters
 * other than letters, digits, `_` and `-` become `_`, since WebDataset splits keys at dots).
 *
 * Shards live in `shards/<bucket>/shard-NNNNNN.tar` (see buckets.ts). Output is byte-identical
 * for the same rows and clip files: clips in index order, members in extension order, every
 * header with mtime 0, uid/gid 0, mode 0644 and no user or group names. A shard rolls over
 * before a clip that would push it past `shardBytes`; a clip is never split, so a clip larger
 * than `shardBytes` gets a shard of its own.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { bucketName } from './buckets.js';
import type { ClipRow } from './rows.js';
import { tmpPathFor } from './atomic.js';

export const SHARDS_DIR = 'shards';
const SHARD_FILE = /^shard-\d{6}\.tar(\.tmp)?$/;
const TAR_BLOCK = 512;
const TAR_END_BYTES = 2 * TAR_BLOCK;

/** A kept clip ready to shard: its row and the size of its clip file on disk. */
export interface ShardInput {
  row: ClipRow;
  fileBytes: number;
}

export interface PlannedShard {
  /** Relative to the output directory, e.g. `shards/720p-16x9-d5-10/shard-000000.tar`. */
  path: string;
  bucket: string;
  clips: ShardInput[];
}

export interface WrittenShard {
  path: string;
  bucket: string;
  clips: number;
  bytes: number;
  sha256: string;
}

/** Makes a JPEG thumbnail of a clip file (absolute path), or none; pack stays free of ffmpeg. */
export type ThumbnailMaker = (clipFile: string) => Promise<Buffer | undefined>;

export const memberKey = (clipId: string): string => clipId.replace(/[^A-Za-z0-9_-]/g, '_');

/** The `.json` member: the clip's index row without pack bookkeeping, led by its key. */
export function sampleJson(row: ClipRow): string {
  const { status: _status, reason: _reason, duplicate_of: _dup, shard: _shard, file: _file, ...sample } = row;
  return JSON.stringify({ key: memberKey(row.clip_id), ...sample });
}

const memberBytes = (size: number): number => TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;

function clipTarBytes(input: ShardInput): number {
  let bytes = memberBytes(Buffer.byteLength(sampleJson(input.row))) + memberBytes(input.fileBytes);
  if (input.row.caption !== null) bytes += memberBytes(Buffer.byteLength(input.row.caption));
  return bytes;
}

const shardPath = (bucket: string, n: number): string =>
  path.posix.join(SHARDS_DIR, bucket, `shard-${String(n).padStart(6, '0')}.tar`);

/** Assigns clips (given in index order) to buckets and shards; sets each row's `shard`. */
export function planShards(inputs: readonly ShardInput[], shardBytes: number): PlannedShard[] {
  const byBucket = new Map<string, ShardInput[]>();
  for (const input of inputs) {
    const { row } = input;
    const bucket = bucketName(row.width ?? row.source_width, row.height ?? row.source_height, row.duration);
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), input]);
  }
  const shards: PlannedShard[] = [];
  for (const bucket of [...byBucket.keys()].sort()) {
    let current: PlannedShard | undefined;
    let size = 0;
    let n = 0;
    for (const input of byBucket.get(bucket)!) {
      const bytes = clipTarBytes(input);
      if (!current || (current.clips.length > 0 && size + bytes + TAR_END_BYTES > shardBytes)) {
        current = { path: shardPath(bucket, n++), bucket, clips: [] };
        shards.push(current);
        size = 0;
      }
      current.clips.push(input);
      input.row.shard = current.path;
      size += bytes;
    }
  }
  return shards;
}

const header = (name: string, size: number): tar.Header => ({
  name, size, type: 'file', mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '',
  linkname: '', devmajor: 0, devminor: 0,
});

function addBuffer(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header(name, data.byteLength), data, (err) => (err ? reject(err) : resolve()));
  });
}

function addFile(pack: tar.Pack, name: string, file: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry(header(name, size), (err) => (err ? reject(err) : resolve()));
    const input = createReadStream(file);
    input.on('error', (err) => {
      entry.destroy(err);
      reject(err);
    });
    input.pipe(entry);
  });
}

async function addClip(pack: tar.Pack, outDir: string, input: ShardInput, thumbnail?: ThumbnailMaker): Promise<void> {
  const { row } = input;
  const key = memberKey(row.clip_id);
  const clipFile = path.join(outDir, row.file!);
  await addBuffer(pack, `${key}.json`, Buffer.from(sampleJson(row)));
  const jpeg = thumbnail ? await thumbnail(clipFile) : undefined;
  if (jpeg) await addBuffer(pack, `${key}.jpg`, jpeg);
  await addFile(pack, `${key}.mp4`, clipFile, input.fileBytes);
  if (row.caption !== null) await addBuffer(pack, `${key}.txt`, Buffer.from(row.caption));
}

/** Writes one shard to `<path>.tmp`, then renames it into place. */
export async function writeShard(
  outDir: string,
  shard: PlannedShard,
  options: { thumbnail?: ThumbnailMaker; onClip?: () => void } = {},
): Promise<WrittenShard> {
  const target = path.join(outDir, shard.path);
  const tmp = tmpPathFor(target);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.byteLength;
      done(null, chunk);
    },
  });
  const pack = tar.pack();
  const written = pipeline(pack, tap, createWriteStream(tmp));
  try {
    for (const input of shard.clips) {
      await addClip(pack, outDir, input, options.thumbnail);
      options.onClip?.();
    }
    pack.finalize();
    await written;
  } catch (err) {
    pack.destroy(err as Error);
    await written.catch(() => {});
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fs.rename(tmp, target);
  return { path: shard.path, bucket: shard.bucket, clips: shard.clips.length, bytes, sha256: hash.digest('hex') };
}

/** Shard files (relative paths) under `shards/`, including leftover `.tmp` files. */
async function existingShardFiles(outDir: string): Promise<string[]> {
  const root = path.join(outDir, SHARDS_DIR);
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && SHARD_FILE.test(e.name))
    .map((e) => path.relative(outDir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/**
 * Deletes shard files a previous pack wrote that this pack did not produce, and bucket folders
 * left empty. Other files under `shards/` are left alone. Returns the removed paths.
 */
export async function removeStaleShards(outDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const stale = (await existingShardFiles(outDir)).filter((file) => !keep.has(file)).sort();
  for (const file of stale) await fs.rm(path.join(outDir, file), { force: true });
  for (const dir of new Set(stale.map((file) => path.dirname(file)))) {
    await fs.rmdir(path.join(outDir, dir)).catch(() => {});
  }
  return stale;
}
