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
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceRecord } from '../types.js';
import { writeJsonAtomic } from './atomic-file.js';
import { SOURCES_DIR } from './layout.js';

export const RECORD_SUFFIX = '.json';
const RETRY_SUFFIX = '.retry';
/** A source id is a plain file name: it names the record and the clip folder, so it must not be a path. */
export const SAFE_ID = /^[A-Za-z0-9_-]+$/;
/** A shard folder's name: one or two id characters, lower case. */
const SHARD_FOLDER = /^[a-z0-9_-]{1,2}$/;

/** The shard folder of a source id. */
export const shardOf = (id: string): string => id.slice(0, 2).toLowerCase();

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
 * ids whose first two characters are lower case or digits (every hashed id) this is id order.
 */
const recordKey = (shard: string, name: string): string => `${shard}/${name}`;
const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

interface Listed extends RecordFile {
  key: string;
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';
const exists = (file: string): Promise<boolean> => stat(file).then(() => true, () => false);
const removeIfAny = (file: string): Promise<void> => rm(file, { force: true });

async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
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
    this.flatLayout ??= entriesOf(this.dir).then((entries) => entries.some((e) => !e.isDirectory() && e.name.endsWith(RECORD_SUFFIX)));
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
   * whose source also has a sharded record is left out). Holds one shard folder's names at a time.
   */
  async *files(): AsyncGenerator<RecordFile> {
    const top = await entriesOf(this.dir);
    const flat = listedFiles(this.root, '', top).sort(byKey);
    // Not "isDirectory": some file systems do not report entry types, and a record's name has a dot.
    const shards = top.filter((e) => !e.isFile() && SHARD_FOLDER.test(e.name)).map((e) => e.name).sort();
    let i = 0;
    for await (const entry of this.shardFiles(shards)) {
      while (i < flat.length && flat[i]!.key < entry.key) yield withoutKey(flat[i++]!);
      if (i < flat.length && flat[i]!.key === entry.key) i++; // superseded by the sharded copy
      yield withoutKey(entry);
    }
    while (i < flat.length) yield withoutKey(flat[i++]!);
  }

  private async *shardFiles(shards: readonly string[]): AsyncGenerator<Listed> {
    for (const shard of shards) yield* listedFiles(this.root, shard, await entriesOf(path.join(this.dir, shard))).sort(byKey);
  }
}

/**
 * The records and partial writes among a folder's entries (`shard` '' for the flat layout);
 * retry markers and stray files are not the listing's business.
 */
function listedFiles(root: string, shard: string, entries: readonly Dirent[]): Listed[] {
  const found: Listed[] = [];
  for (const e of entries) {
    if (e.isDirectory()) continue;
    const kind = e.name.endsWith(RECORD_SUFFIX) ? 'record' : e.name.includes('.tmp') ? 'partial' : undefined;
    if (!kind) continue;
    const rel = path.posix.join(SOURCES_DIR, shard, e.name);
    const id = kind === 'record' ? e.name.slice(0, -RECORD_SUFFIX.length) : e.name;
    // A flat file sorts among the shard folder its id would have (a partial's id ends at its first dot).
    found.push({ kind, id, rel, file: path.join(root, rel), key: recordKey(shard || shardOf(e.name.split('.')[0]!), e.name) });
  }
  return found;
}

const withoutKey = ({ key: _key, ...file }: Listed): RecordFile => file;
