/**
 * `--out s3://bucket/prefix`: every process of a run (a local run, the coordinator and each worker
 * of a queued run) works in a local staging folder laid out exactly like a local output, and
 * publishes to the prefix what it finishes, under the same relative keys, in the order of
 * s3-layout.ts (a commit point never goes up before what it names). Every object is written
 * atomically (s3-upload.ts), so a file is either absent or whole under its name.
 *
 * - A local run publishes each source as it finishes (clip files, then its record), and after pack
 *   syncs the whole folder, deleting stale objects of the dataset's classes last.
 * - A worker publishes, after each source job, what changed in its staging folder since its last
 *   pass (and the job's record), and deletes only clip staging it published itself and no longer
 *   has (a committed part's); it never deletes what another process wrote. Shards of its committed
 *   parts leave its folder once they are up, so its disk holds only work in progress.
 * - A rerun, and the coordinator of a queued run before its reduce, pull what the reduce needs
 *   (records, clip staging, index files, shards of pending parts; never final shards), so
 *   finished sources are skipped even on a new machine or after the staging folder was removed.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { SourceRecord } from '../types.js';
import { OutputDir } from './output.js';
import { deleteObject, downloadObject, headObject, isNotFound, listObjects, type ListedObject } from './s3.js';
import { isCommittedShard, isRecord, isScratch, isStaging, neededForReduce, partsWithManifest, prunable, publishGroups } from './s3-layout.js';
import { holdsFile, uploadFile, type UploadOptions } from './s3-upload.js';
import { joinKey, parseS3Uri, type S3Location } from './s3-uri.js';
import { needsRedo, recordRelPath, retryRelPath } from './record-store.js';
import { MARKERS_DIR } from '../pack/part-layout.js';

const PARALLEL_TRANSFERS = 4;

export { defaultStaging } from './s3-layout.js';

export class S3Output {
  readonly target: S3Location;
  /** Records and clips that could not be published as they finished; the final sync retries them. */
  readonly lateFailures: string[] = [];
  /** What this process has published, by relative path: the file's size and mtime at the time. */
  private readonly published = new Map<string, string>();
  /** The newest publishing pass, and the one waiting to start (joined by later callers). */
  private lastPass: Promise<void> = Promise.resolve();
  private queuedPass?: Promise<void>;
  private readonly createdAt = Date.now();
  /** Records named for the next pass. */
  private readonly recordsToPublish = new Set<string>();

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

  /**
   * Downloads what a reduce needs (s3-layout.ts neededForReduce) and the staging folder lacks;
   * with `refresh`, also what differs from the bucket (other processes wrote it: a queued run's
   * workers). Returns how many files came down.
   */
  async pull(opts: { refresh?: boolean } = {}): Promise<number> {
    const remote = await this.listRemote();
    const pending = partsWithManifest(remote.keys(), 'pending');
    const wanted = [...remote].filter(([rel]) => neededForReduce(rel, pending));
    const limit = pLimit(PARALLEL_TRANSFERS);
    const pulled = await Promise.all(
      wanted.map(([rel, listed]) =>
        limit(async () => {
          const dest = path.join(this.staging, rel);
          const here = await stat(dest).then(() => true, () => false);
          if (here && (!opts.refresh || (await holdsFile(dest, listed, this.locationOf(rel))))) return false;
          await this.download(rel);
          return true;
        }),
      ),
    );
    return pulled.filter(Boolean).length;
  }

  /** Downloads the listed files that exist in the bucket (e.g. a worker's takedown list); missing ones are skipped. */
  async pullFiles(rels: readonly string[]): Promise<void> {
    for (const rel of rels) {
      await this.download(rel).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  /** A source's record as published, fetched into the staging folder; undefined when there is none. */
  async fetchRecord(sourceId: string): Promise<SourceRecord | undefined> {
    const out = new OutputDir(this.staging);
    try {
      await this.download(this.recordRel(sourceId));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return out.readRecord(sourceId);
  }

  private async download(rel: string): Promise<void> {
    const dest = path.join(this.staging, rel);
    await mkdir(path.dirname(dest), { recursive: true });
    await downloadObject(this.locationOf(rel), dest);
  }

  /** Publishes one finished source of a local run: its clip files, then its record. Failures are left to the final sync. */
  readonly publishSource = async (record: SourceRecord): Promise<void> => {
    // A transient failure's retry marker goes before its record, as on disk.
    const marker = needsRedo(record) ? [retryRelPath(record.id)] : [];
    // Its pending marker too: a rerun elsewhere after a kill commits the source from what it pulls.
    const pending = path.posix.join(MARKERS_DIR, record.id);
    const files = [...record.clips.flatMap((c) => (c.file ? [c.file] : [])), pending, ...marker, recordRelPath(record.id)];
    try {
      for (const rel of files) await uploadFile(path.join(this.staging, rel), this.locationOf(rel), this.upload);
    } catch (err) {
      this.lateFailures.push(`${record.id}: ${(err as Error).message}`);
    }
  };

  /** A source's record, relative to the staging folder (the record store decides where records go). */
  recordRel(sourceId: string): string {
    return recordRelPath(sourceId);
  }

  /**
   * One incremental publishing pass (a worker's, after each source job): what is new or changed in
   * the staging folder since this process's last pass goes up in layout order, then objects of
   * clip staging this process published and the folder no longer has (a committed part's) are
   * deleted, and shards of committed parts are removed from the folder (they are in the bucket for
   * good). Records are not walked (there is one per source ever done): `records` names the ones to
   * publish. Calls during a pass share the pass after it, so the caller's files are covered by the
   * pass it waits for.
   */
  publishChanges(records: readonly string[] = []): Promise<void> {
    for (const rel of records) this.recordsToPublish.add(rel);
    if (this.queuedPass) return this.queuedPass;
    const pass = this.lastPass.catch(() => undefined).then(() => {
      this.queuedPass = undefined;
      const named = [...this.recordsToPublish];
      this.recordsToPublish.clear();
      return this.changesPass(named).catch((err: unknown) => {
        // Tried again by the next pass.
        for (const rel of named) this.recordsToPublish.add(rel);
        throw err;
      });
    });
    this.queuedPass = pass;
    this.lastPass = pass;
    return pass;
  }

  private async changesPass(records: readonly string[]): Promise<void> {
    const stamps = new Map<string, string>();
    const mtimes = new Map<string, number>();
    for (const rel of [...(await listFiles(this.staging, (rel) => isScratch(rel) || isRecord(rel))), ...records]) {
      const s = await stat(path.join(this.staging, rel)).catch(() => undefined);
      if (!s) continue;
      stamps.set(rel, `${s.size}:${s.mtimeMs}`);
      mtimes.set(rel, s.mtimeMs);
    }
    const changed = [...stamps].filter(([rel, stamp]) => this.published.get(rel) !== stamp).map(([rel]) => rel);
    for (const group of publishGroups(changed)) {
      await this.uploadAll(group, async (rel) => {
        // Files older than this process may have been published by an earlier one (a restarted worker).
        if (this.published.has(rel) || mtimes.get(rel)! >= this.createdAt) return false;
        const head = await headObject(this.locationOf(rel));
        return head !== undefined && (await holdsFile(path.join(this.staging, rel), { key: rel, size: head.size, etag: head.etag }, this.locationOf(rel)));
      });
      for (const rel of group) this.published.set(rel, stamps.get(rel)!);
    }
    for (const rel of [...this.published.keys()]) {
      if (stamps.has(rel)) continue;
      if (isStaging(rel)) await deleteObject(this.locationOf(rel));
      this.published.delete(rel);
    }
    for (const rel of stamps.keys()) {
      if (!isCommittedShard(rel, this.published)) continue;
      await rm(path.join(this.staging, rel), { force: true });
      this.published.delete(rel);
    }
  }

  /** Makes the prefix hold exactly the staged dataset, final shards aside (see the module comment). */
  async publishDataset(): Promise<{ uploaded: number; deleted: number }> {
    const remote = await this.listRemote();
    const local = (await listFiles(this.staging)).filter((rel) => !isScratch(rel));
    let uploaded = 0;
    for (const group of publishGroups(local)) {
      await this.uploadAll(group, async (rel) => {
        const listed = remote.get(rel);
        const same = listed !== undefined && (await holdsFile(path.join(this.staging, rel), listed, this.locationOf(rel)));
        if (!same) uploaded++;
        return same;
      });
    }
    const kept = new Set(local);
    const finalParts = partsWithManifest(local, 'parts');
    const stale = [...remote.keys()].filter((rel) => !kept.has(rel) && prunable(rel, finalParts));
    for (const rel of stale) await deleteObject(this.locationOf(rel));
    return { uploaded, deleted: stale.length };
  }

  /** Uploads the files of one publishing step a few at a time, but those `alreadyThere` says the bucket holds. */
  private async uploadAll(rels: readonly string[], alreadyThere: (rel: string) => Promise<boolean>): Promise<void> {
    const limit = pLimit(PARALLEL_TRANSFERS);
    await Promise.all(
      rels.map((rel) =>
        limit(async () => {
          if (await alreadyThere(rel)) return;
          await uploadFile(path.join(this.staging, rel), this.locationOf(rel), this.upload);
        }),
      ),
    );
  }
}

/**
 * Every file under `root`, as sorted POSIX paths relative to it, but those under (or being) a path
 * `skip` holds; nothing when it does not exist.
 */
async function listFiles(root: string, skip: (rel: string) => boolean = () => false): Promise<string[]> {
  const found: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (skip(e.isDirectory() ? `${child}/` : child)) continue;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) found.push(child);
    }
  }
  await walk('');
  return found.sort();
}
