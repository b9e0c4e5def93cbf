/**
 * The record store of an output directory, the one module that knows where records lie: one JSON
 * record per source in `sources/<shard>/<id>.json`, the shard being the first two characters of
 * the source id (lower-cased, so case-insensitive file systems agree), so that no folder holds
 * millions of files (source ids are 16 hex digits: 256 shard folders).
 *
 * - Older versions wrote every record flat into `sources/<id>.json`. Those are still read and
 *   listed, and resume skips them; a record written again (a redo, a takedown, new captions)
 *   moves to its shard folder and its flat file is removed. Where both exist (a crash between
 *   the two steps) the sharded one is the record.
 * - Resume asks only whether a finished record exists: a transient failure (to be retried) has an
 *   empty `<id>.retry` marker beside its record, written before the record and removed after a
 *   final one, so a marker-less record is finished without being read.
 * - Listing streams one shard folder at a time, in record order (see recordKey), the same on
 *   every machine; partial writes (`*.tmp`, from a writer killed mid-write) are listed as such.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceRecord } from '../types.js';
import { writeJsonAtomic } from './atomic-file.js';
import { SOURCES_DIR } from './layout.js';

const RECORD_SUFFIX = '.json';
const RETRY_SUFFIX = '.retry';
/** A source id is a plain file name: it names the record and the clip folder, so it must not be a path. */
export const SAFE_ID = /^[A-Za-z0-9_-]+$/;
/** A shard folder's name: one or two id characters, lower case. */
const SHARD_FOLDER = /^[a-z0-9_-]{1,2}$/;

/** The shard folder of a source id. */
const shardOf = (id: string): string => id.slice(0, 2).toLowerCase();

/** Where a source's record lies, relative to the output directory (POSIX, as in an S3 key). */
export const recordRelPath = (id: string): string => path.posix.join(SOURCES_DIR, shardOf(id), `${id}${RECORD_SUFFIX}`);
/** Where a record of the old flat layout lies. */
export const flatRecordRelPath = (id: string): string => path.posix.join(SOURCES_DIR, `${id}${RECORD_SUFFIX}`);
/** The marker of a source whose record is a transient failure. */
export const retryRelPath = (id: string): string => path.posix.join(SOURCES_DIR, shardOf(id), `${id}${RETRY_SUFFIX}`);

/**
 * A source is (re)done when it has no record, or only a transient failure (network, rate limit)
 * that a later run may get past; done, refused and permanently failed sources are not redone.
 */
export function needsRedo(record: SourceRecord | undefined): boolean {
  return !record || (record.status === 'failed' && record.error?.transient === true);
}

/** A file of the store, as a listing finds it. */
export interface RecordFile {
  /** `record`: a `<id>.json`; `partial`: an interrupted write. */
  kind: 'record' | 'partial';
  /** The source id its name gives (for a partial file, the name). */
  id: string;
  /** Relative to the output directory, POSIX. */
  rel: string;
  /** Absolute path. */
  file: string;
}

/**
 * The order of records: by shard folder, then by name (plain code units, locale-independent). For
 * ids whose first two characters are lower case or digits (every hashed id) this is id order. A
 * flat file sorts among the shard folder its id would have (a partial's id ends at its first dot).
 * A listing holds only these keys (`<shard>/<name>`, a shard has no '/'), one short string a file.
 */
const recordKey = (shard: string, name: string): string => `${shard || shardOf(name.split('.')[0]!)}/${name}`;
const nameOf = (key: string): string => key.slice(key.indexOf('/') + 1);

/** Keys of the records and partial writes among a folder's names, sorted; markers and stray files left out. */
function sortedKeys(shard: string, names: readonly string[]): string[] {
  const listed = names.filter((n) => n.endsWith(RECORD_SUFFIX) || n.includes('.tmp'));
  return listed.map((n) => recordKey(shard, n)).sort();
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';
const exists = (file: string): Promise<boolean> => stat(file).then(() => true, () => false);
const removeIfAny = (file: string): Promise<void> => rm(file, { force: true });

/** Names in a folder; none when it is missing (or is a stray file where a shard folder would be). */
async function namesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

export class RecordStore {
  readonly dir: string;
  private flatLayout: Promise<boolean> | undefined;

  constructor(readonly root: string) {
    this.dir = path.join(root, SOURCES_DIR);
  }

  /** Absolute path of a source's record. */
  path(id: string): string {
    return path.join(this.root, recordRelPath(id));
  }

  /**
   * True when `sources/` holds records of the old flat layout: only then does a lookup also try
   * the flat file. Found once per store (a run never writes flat records).
   */
  private hasFlatRecords(): Promise<boolean> {
    this.flatLayout ??= namesOf(this.dir).then((names) => names.some((n) => n.endsWith(RECORD_SUFFIX)));
    return this.flatLayout;
  }

  private async readAt(rel: string): Promise<SourceRecord | undefined> {
    return JSON.parse(await readFile(path.join(this.root, rel), 'utf8')) as SourceRecord;
  }

  /** A source's record (sharded, else flat), undefined when there is none or it does not parse. */
  async read(id: string): Promise<SourceRecord | undefined> {
    try {
      return await this.readAt(recordRelPath(id));
    } catch (err) {
      if (!isMissing(err) || !(await this.hasFlatRecords())) return undefined;
    }
    return this.readAt(flatRecordRelPath(id)).catch(() => undefined);
  }

  /** Writes a source's record atomically into its shard folder (see the module comment for the order). */
  async write(record: SourceRecord): Promise<void> {
    const retry = path.join(this.root, retryRelPath(record.id));
    const transient = needsRedo(record);
    if (transient) {
      await mkdir(path.dirname(retry), { recursive: true });
      await writeFile(retry, '');
    }
    await writeJsonAtomic(this.path(record.id), record);
    if (!transient) await removeIfAny(retry);
    if (await this.hasFlatRecords()) await removeIfAny(path.join(this.root, flatRecordRelPath(record.id)));
  }

  /**
   * True when the source is finished (a record that is not a transient failure). A sharded record
   * is read only when a retry marker lies beside it; a flat one is read, as older versions did.
   */
  async isFinished(id: string): Promise<boolean> {
    const [recorded, retry] = await Promise.all([exists(this.path(id)), exists(path.join(this.root, retryRelPath(id)))]);
    if (recorded) return !retry || !needsRedo(await this.read(id));
    if (!(await this.hasFlatRecords())) return false;
    return !needsRedo(await this.readAt(flatRecordRelPath(id)).catch(() => undefined));
  }

  /**
   * Every record file and partial write, in record order, sharded and flat merged (a flat file
   * whose source also has a sharded record is left out). Holds one shard folder's names at a time
   * (and, in an output of the old layout, the flat names).
   */
  async *files(): AsyncGenerator<RecordFile> {
    const { flat, shards } = await this.topLevel();
    let i = 0;
    for (const shard of shards) {
      for (const key of sortedKeys(shard, await namesOf(path.join(this.dir, shard)))) {
        while (i < flat.length && flat[i]! < key) yield this.entry('', flat[i++]!);
        if (flat[i] === key) i++; // superseded by the sharded copy
        yield this.entry(shard, key);
      }
    }
    while (i < flat.length) yield this.entry('', flat[i++]!);
  }

  /** The flat files' keys and the shard folders, told apart by name: a shard folder's has no dot, every file's has one. */
  private async topLevel(): Promise<{ flat: string[]; shards: string[] }> {
    const names = await namesOf(this.dir);
    return { flat: sortedKeys('', names), shards: names.filter((n) => SHARD_FOLDER.test(n)).sort() };
  }

  private entry(shard: string, key: string): RecordFile {
    const name = nameOf(key);
    const rel = path.posix.join(SOURCES_DIR, shard, name);
    const record = name.endsWith(RECORD_SUFFIX);
    return { kind: record ? 'record' : 'partial', id: record ? name.slice(0, -RECORD_SUFFIX.length) : name, rel, file: path.join(this.root, rel) };
  }
}
