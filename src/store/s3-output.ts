/**
 * `--out s3://bucket/prefix`: the run works in a local staging folder laid out exactly like a
 * local output, and publishes to the prefix what it finishes, under the same relative keys.
 *
 * - As each source finishes, its clip files and then its record (the record last: it is the
 *   mark that the source is finished, as on disk).
 * - After pack, a sync of the whole folder, in an order that keeps the dataset readable at every
 *   moment: clips, records, shards, and only then index.parquet, stats.json and ATTRIBUTION.md;
 *   objects of shards and clips that the folder no longer has are deleted last. Every object is
 *   written atomically (see s3-upload.ts), so a shard is either absent or whole under its name.
 * - A rerun first pulls what the prefix holds and the folder lacks (records, clips, the takedown
 *   list; not shards, which pack rewrites), so it skips finished sources even on a new machine
 *   or after the staging folder was removed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import type { SourceRecord } from '../types.js';
import { deleteObject, downloadObject, listObjects, type ListedObject } from './s3.js';
import { holdsFile, uploadFile, type UploadOptions } from './s3-upload.js';
import { joinKey, parseS3Uri, type S3Location } from './s3-uri.js';
import { needsRedo, recordRelPath, retryRelPath } from './record-store.js';

const PARALLEL_TRANSFERS = 4;
/** Written after everything else: once they change, readers are sent to the new shards. */
const LAST_FILES = new Set(['index.parquet', 'stats.json', 'ATTRIBUTION.md']);
/** Local scratch that is never published: downloads, extraction folders, temporary files. */
const SCRATCH = /^(\.work|\.extract-[^/]*)(\/|$)|\.(tmp|part)$/;
/** Objects that pack or a redo may leave behind, deleted when the folder no longer has them. */
const PRUNED = /^(shards|clips)\//;

/** Where an S3 output is staged when --staging is not given: one folder per output URI. */
export function defaultStaging(uri: string): string {
  const key = createHash('sha256').update(uri).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), 'clipmill-staging', key);
}

export class S3Output {
  readonly target: S3Location;
  /** Records and clips that could not be published as they finished; the final sync retries them. */
  readonly lateFailures: string[] = [];

  constructor(readonly uri: string, readonly staging: string, private readonly upload: UploadOptions = {}) {
    this.target = parseS3Uri(uri);
  }

  private locationOf(rel: string): S3Location {
    return { bucket: this.target.bucket, key: joinKey(this.target.key, rel) };
  }

  /** Remote objects of the output by relative key. */
  private async listRemote(): Promise<Map<string, ListedObject>> {
    const prefix = this.target.key === '' || this.target.key.endsWith('/') ? this.target.key : `${this.target.key}/`;
    const found = new Map<string, ListedObject>();
    for await (const o of listObjects({ bucket: this.target.bucket, key: prefix })) found.set(o.key.slice(prefix.length), o);
    return found;
  }

  /** Downloads what the prefix has and the staging folder lacks (never shards); returns how many. */
  async pull(): Promise<number> {
    const local = new Set(await listFiles(this.staging));
    const missing = [...(await this.listRemote()).keys()].filter((rel) => !rel.startsWith('shards/') && !SCRATCH.test(rel) && !local.has(rel));
    const limit = pLimit(PARALLEL_TRANSFERS);
    await Promise.all(
      missing.map((rel) =>
        limit(async () => {
          const dest = path.join(this.staging, rel);
          await mkdir(path.dirname(dest), { recursive: true });
          await downloadObject(this.locationOf(rel), dest);
        }),
      ),
    );
    return missing.length;
  }

  /** Publishes one finished source: its clip files, then its record. Failures are left to the final sync. */
  readonly publishSource = async (record: SourceRecord): Promise<void> => {
    // A transient failure's retry marker goes before its record, as on disk.
    const marker = needsRedo(record) ? [retryRelPath(record.id)] : [];
    const files = [...record.clips.flatMap((c) => (c.file ? [c.file] : [])), ...marker, recordRelPath(record.id)];
    try {
      for (const rel of files) await uploadFile(path.join(this.staging, rel), this.locationOf(rel), this.upload);
    } catch (err) {
      this.lateFailures.push(`${record.id}: ${(err as Error).message}`);
    }
  };

  /** Makes the prefix hold exactly the staged dataset (see the module comment for the order). */
  async publishDataset(): Promise<{ uploaded: number; deleted: number }> {
    const remote = await this.listRemote();
    const local = (await listFiles(this.staging)).filter((rel) => !SCRATCH.test(rel));
    let uploaded = 0;
    for (const group of publishOrder(local)) {
      const limit = pLimit(PARALLEL_TRANSFERS);
      await Promise.all(
        group.map((rel) =>
          limit(async () => {
            const file = path.join(this.staging, rel);
            const listed = remote.get(rel);
            if (listed && (await holdsFile(file, listed, this.locationOf(rel)))) return;
            await uploadFile(file, this.locationOf(rel), this.upload);
            uploaded++;
          }),
        ),
      );
    }
    const kept = new Set(local);
    const stale = [...remote.keys()].filter((rel) => PRUNED.test(rel) && !kept.has(rel));
    for (const rel of stale) await deleteObject(this.locationOf(rel));
    return { uploaded, deleted: stale.length };
  }
}

/** Files in publishing order, in groups that go up one after the other. */
function publishOrder(files: string[]): string[][] {
  const rank = (rel: string): number =>
    rel.startsWith('clips/') ? 1 : rel.startsWith('sources/') ? 2 : rel.startsWith('shards/') ? 3 : LAST_FILES.has(rel) ? 4 : 0;
  const groups: string[][] = [[], [], [], [], []];
  for (const rel of files) groups[rank(rel)]!.push(rel);
  return groups;
}

/** Every file under `root`, as sorted POSIX paths relative to it; nothing when it does not exist. */
async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) found.push(child);
    }
  }
  await walk('');
  return found.sort();
}
