/**
 * The output directory is the source of truth of a run: one record per finished source,
 * written atomically and last, so a killed run resumes by skipping what has a record.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FatalError } from '../errors.js';
import type { SourceRecord } from '../types.js';
import { CLIPS_DIR } from './layout.js';
import { RecordStore } from './record-store.js';

export { tempPathFor, writeFileAtomic, writeJsonAtomic } from './atomic-file.js';
export { needsRedo } from './record-store.js';

/** A file in every output directory, so directory inputs never read a dataset's clips back as sources. */
export const OUTPUT_MARKER = '.clipmill-output';

/**
 * Refuses a folder clipmill did not make: commands that delete and rewrite files in a dataset
 * (takedown, recheck) work only where the marker is.
 */
export async function requireMarkedOutput(dir: string): Promise<void> {
  const marked = await stat(path.join(dir, OUTPUT_MARKER)).then((s) => s.isFile(), () => false);
  if (!marked) throw new FatalError(`${dir} is not an output directory of clipmill (it has no ${OUTPUT_MARKER} file).`);
}

export class OutputDir {
  /** One record per source (where they lie: store/record-store.ts). */
  readonly records: RecordStore;

  constructor(readonly root: string) {
    this.records = new RecordStore(root);
  }

  /** Kept clip files of one source, relative to the root (as stored in ClipRecord.file). */
  clipsDirRel(sourceId: string): string {
    return path.join(CLIPS_DIR, sourceId);
  }
  /** Scratch space for one source's download; removed when the task ends. */
  workDir(sourceId: string): string {
    return path.join(this.root, '.work', sourceId);
  }

  /**
   * The absolute path of a record's clip file when it lies inside that source's own clip folder,
   * also after resolving links; undefined when it points anywhere else. Records are files on
   * disk that anyone with write access may have edited: pack and takedown read and delete only
   * through this.
   */
  async clipFile(sourceId: string, file: string): Promise<string | undefined> {
    const folder = path.resolve(this.root, this.clipsDirRel(sourceId));
    const lexical = path.resolve(this.root, file);
    if (!isInside(folder, lexical)) return undefined;
    const real = await realpath(lexical).catch(() => undefined);
    if (real === undefined) return lexical; // missing: nothing to read, nothing to delete
    const realFolder = await realpath(folder).catch(() => folder);
    return isInside(realFolder, real) && isInside(await realpath(this.root), realFolder) ? real : undefined;
  }

  /**
   * Creates the layout and proves it is writable; a FatalError otherwise. A folder that holds
   * files but no clipmill marker is someone else's (its stats.json, shards/ would be overwritten
   * or deleted): refused unless `force`.
   */
  async prepare(opts: { force?: boolean } = {}): Promise<void> {
    if (!opts.force) await this.refuseForeignFolder();
    try {
      await makeDirs(this.records.dir);
      await writeFile(path.join(this.root, OUTPUT_MARKER), 'This directory is a clipmill output; directory inputs skip it.\n');
      const probe = path.join(this.root, `.write-test-${randomBytes(4).toString('hex')}`);
      await writeFile(probe, 'ok');
      await rm(probe);
    } catch (e) {
      throw new FatalError(`The output directory ${this.root} is not writable: ${(e as Error).message}`);
    }
  }

  private async refuseForeignFolder(): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    if (names.length === 0 || names.includes(OUTPUT_MARKER)) return;
    throw new FatalError(
      `The output directory ${this.root} is not empty and was not made by clipmill (no ${OUTPUT_MARKER} file); ` +
        'choose an empty or new folder, or pass --force to use this one (clipmill may then overwrite or delete files in it).',
    );
  }

  readRecord(sourceId: string): Promise<SourceRecord | undefined> {
    return this.records.read(sourceId);
  }

  writeRecord(record: SourceRecord): Promise<void> {
    return this.records.write(record);
  }
}

/** True when `file` lies below `folder` (both resolved). */
function isInside(folder: string, file: string): boolean {
  return file.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
}

/**
 * `mkdir -p` one level at a time: Node's recursive mkdir spins forever on some paths (e.g. under
 * /proc, where mkdir answers ENOENT for a parent that exists), so the run would hang, not fail.
 */
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (await stat(d).then((s) => s.isDirectory(), () => false)) break;
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) await mkdir(d).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
}

/** The record of a source whose own record could not be written: failed, without its metadata and clips. */
export function unwritableRecord(record: SourceRecord, err: unknown): SourceRecord {
  return {
    version: 1, id: record.id, uri: record.uri, kind: record.kind, status: 'failed', origin: record.origin,
    metadata: {}, clips: [], timings: record.timings, startedAt: record.startedAt, finishedAt: record.finishedAt,
    error: { code: ErrorCode.RecordUnwritable, message: `The source's record could not be written: ${(err as Error).message}`, transient: false },
  };
}

