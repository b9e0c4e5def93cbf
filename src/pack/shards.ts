/**
 * WebDataset tar shards. Each kept clip becomes the members `<key>.json` (its index row: clip
 * metadata, signals, source URI, licence and provenance), `<key>.jpg` when a thumbnail maker is
 * given, the clip file under its own extension (`<key>.mp4`, `.webm` for VP9, `.mkv` for some
 * stream copies) and `<key>.txt` when it has a caption; the key is the clip id (characters
 * other than letters, digits, `_` and `-` become `_`, since WebDataset splits keys at dots).
 *
 * Shards of a part live in `shards/<bucket>/<partId>-<k>.tar` (see buckets.ts, part-layout.ts).
 * Output is byte-identical for the same rows and clip files: clips in index order, members in the order above, every
 * header with mtime 0, uid/gid 0, mode 0644 and no user or group names. A shard rolls over
 * before a clip whose members (thumbnail included, measured once made) would push it past
 * `shardBytes`; a clip is never split, so a clip larger than `shardBytes` gets a shard of its own.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { tempPathFor } from '../store/output.js';
import { bucketName } from './buckets.js';
import { partShardName } from './part-layout.js';
import type { ClipRow } from './rows.js';
import type { SampleWriter, ShardInput, WriterFactory, WriterOptions, WrittenShard } from './writer.js';

export const SHARDS_DIR = 'shards';
const TAR_BLOCK = 512;
const TAR_END_BYTES = 2 * TAR_BLOCK;

export type { ShardInput, WrittenShard } from './writer.js';

/** Makes a JPEG thumbnail of a clip file (absolute path), or none; pack stays free of ffmpeg. */
export type ThumbnailMaker = (clipFile: string) => Promise<Buffer | undefined>;

export const memberKey = (clipId: string): string => clipId.replace(/[^A-Za-z0-9_-]/g, '_');

/** The clip file's member name: the key with the file's own extension (mp4 when it has none). */
const clipMemberName = (key: string, file: string): string => `${key}.${path.extname(file).slice(1).toLowerCase() || 'mp4'}`;

/** The `.json` member: the clip's index row without pack bookkeeping, led by its key. */
function sampleJson(row: ClipRow): string {
  const { status: _status, reason: _reason, duplicate_of: _dup, shard: _shard, file: _file, ...sample } = row;
  return JSON.stringify({ key: memberKey(row.clip_id), ...sample });
}

const memberBytes = (size: number): number => TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;

function clipTarBytes(input: ShardInput, jpeg: Buffer | undefined): number {
  let bytes = memberBytes(Buffer.byteLength(sampleJson(input.row))) + memberBytes(input.fileBytes);
  if (jpeg) bytes += memberBytes(jpeg.byteLength);
  if (input.row.caption !== null) bytes += memberBytes(Buffer.byteLength(input.row.caption));
  return bytes;
}

const shardPath = (bucket: string, partId: string, k: number): string => path.posix.join(SHARDS_DIR, bucket, partShardName(partId, k));

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

/** One shard being written to a temporary file, hashed and counted as it goes. */
class OpenShard {
  readonly tmp: string;
  readonly pack = tar.pack();
  readonly hash = createHash('sha256');
  readonly written: Promise<void>;
  clips = 0;
  /** Planned tar bytes so far (without the end-of-archive blocks), for the roll-over decision. */
  planned = 0;
  bytes = 0;

  constructor(readonly outDir: string, readonly path: string, readonly bucket: string) {
    this.tmp = tempPathFor(this.target);
    const tap = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.hash.update(chunk);
        this.bytes += chunk.byteLength;
        done(null, chunk);
      },
    });
    this.written = pipeline(this.pack, tap, createWriteStream(this.tmp));
  }

  get target(): string {
    return path.join(this.outDir, this.path);
  }

  async addClip(input: ShardInput, jpeg: Buffer | undefined, plannedBytes: number): Promise<void> {
    const { row } = input;
    const key = memberKey(row.clip_id);
    await addBuffer(this.pack, `${key}.json`, Buffer.from(sampleJson(row)));
    if (jpeg) await addBuffer(this.pack, `${key}.jpg`, jpeg);
    await addFile(this.pack, clipMemberName(key, row.file!), path.join(this.outDir, row.file!), input.fileBytes);
    if (row.caption !== null) await addBuffer(this.pack, `${key}.txt`, Buffer.from(row.caption));
    row.shard = this.path;
    this.clips++;
    this.planned += plannedBytes;
  }

  /** Ends the archive and renames it into place. */
  async close(): Promise<WrittenShard> {
    this.pack.finalize();
    await this.written;
    await fs.rename(this.tmp, this.target);
    return { path: this.path, bucket: this.bucket, clips: this.clips, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  async abort(err: Error): Promise<void> {
    this.pack.destroy(err);
    await this.written.catch(() => {});
    await fs.rm(this.tmp, { force: true });
  }
}

/**
 * The WebDataset sample writer: takes kept clips in index order and writes each into the open
 * shard of its bucket, rolling a shard over before it would pass `shardBytes`. Shards are numbered
 * per bucket (`k`) in the order of their clips, so the bytes do not depend on how buckets interleave.
 */
export class WebDatasetWriter implements SampleWriter {
  private readonly open = new Map<string, { shard?: OpenShard; next: number }>();
  private readonly written: WrittenShard[] = [];

  constructor(readonly outDir: string, readonly opts: WriterOptions) {}

  async write(input: ShardInput): Promise<void> {
    const { row } = input;
    const bucket = bucketName(row.width ?? row.source_width, row.height ?? row.source_height, row.duration);
    let state = this.open.get(bucket);
    if (!state) {
      await fs.mkdir(path.join(this.outDir, SHARDS_DIR, bucket), { recursive: true });
      this.open.set(bucket, (state = { next: 0 }));
    }
    const jpeg = this.opts.thumbnail ? await this.opts.thumbnail(path.join(this.outDir, row.file!)) : undefined;
    const bytes = clipTarBytes(input, jpeg);
    if (state.shard && state.shard.clips > 0 && state.shard.planned + bytes + TAR_END_BYTES > this.opts.shardBytes) {
      const full = state.shard;
      state.shard = undefined;
      this.written.push(await full.close());
    }
    state.shard ??= new OpenShard(this.outDir, shardPath(bucket, this.opts.partId, state.next++), bucket);
    await state.shard.addClip(input, jpeg, bytes);
  }

  /** Closes every open shard; the shards written, by bucket then number. */
  async close(): Promise<WrittenShard[]> {
    for (const state of this.open.values()) {
      const last = state.shard;
      state.shard = undefined;
      if (last) this.written.push(await last.close());
    }
    return this.written.sort((a, b) => (a.bucket !== b.bucket ? (a.bucket < b.bucket ? -1 : 1) : a.path < b.path ? -1 : 1));
  }

  async abort(err: Error): Promise<void> {
    for (const state of this.open.values()) await state.shard?.abort(err);
    this.open.clear();
  }
}

/**
 * Writes the shards of one part's kept clips (given in index order) with the sample writer
 * (WebDataset unless another is given) and sets each row's `shard`. Each WebDataset shard goes to a temporary
 * name and is renamed into place once complete.
 */
export async function writeShards(
  outDir: string,
  inputs: readonly ShardInput[],
  options: { partId: string; shardBytes: number; thumbnail?: ThumbnailMaker; onClip?: () => void | Promise<void>; makeWriter?: WriterFactory },
): Promise<WrittenShard[]> {
  const makeWriter = options.makeWriter ?? ((dir, opts) => new WebDatasetWriter(dir, opts));
  const writer = makeWriter(outDir, { shardBytes: options.shardBytes, partId: options.partId, thumbnail: options.thumbnail });
  try {
    for (const input of inputs) {
      await writer.write(input);
      await options.onClip?.();
    }
    return await writer.close();
  } catch (err) {
    await writer.abort(err as Error);
    throw err;
  }
}

/**
 * Deletes the files under `shards/<bucket>/` whose name `doomed` picks (the tars of a part that
 * never got its manifest, temporary ones included), and bucket folders left empty. Returns the
 * removed paths, relative to the output folder.
 */
export async function removeShardFiles(outDir: string, doomed: (name: string) => boolean): Promise<string[]> {
  const root = path.join(outDir, SHARDS_DIR);
  const removed: string[] = [];
  for (const bucket of await fs.readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, bucket);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const gone = names.filter(doomed);
    for (const name of gone) {
      await fs.rm(path.join(dir, name), { force: true });
      removed.push(path.posix.join(SHARDS_DIR, bucket, name));
    }
    if (gone.length === names.length) await fs.rmdir(dir).catch(() => {});
  }
  return removed.sort();
}
