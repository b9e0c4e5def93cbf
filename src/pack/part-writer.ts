/**
 * The commit of a part, in the process that made the clips (a local run, a BullMQ worker, or the
 * reduce's sweep for sources whose writer died). Order, each file under a temporary name then
 * renamed:
 *
 * 0. the journal `index/pending/<partId>.writing` (so a part that never gets its manifest is found);
 * 1. the tars of the kept clips, per bucket (members in index order: the same sources always give
 *    the same bytes), after the missing-file and outside-clip-folder checks;
 * 2. `index/pending/<partId>.parquet`: every row (kept and dropped) of the part's sources, `shard` set;
 * 3. `index/pending/<partId>.json`, the manifest: THE COMMIT POINT, written only while the writer
 *    still owns its sources (`owns`: a queue worker's lease on the run is live) and the part's
 *    journal, tars and Parquet file are all still there; else the part's files are removed and the
 *    commit abandoned (a writer frozen past its lease: the sweep has taken its sources over);
 * 4. the journal, then the staged clip folders `clips/<id>/` and the markers `pending/<id>` go.
 *
 * A writer killed anywhere leaves either no manifest (the sweep removes the part's files; the
 * sources keep their markers and staged clips and are committed again) or a committed part whose
 * step 4 the sweep finishes. No sample is ever in two committed parts: the markers that lead the
 * sweep to commit a source are removed only after the manifest that holds it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OutputDir } from '../store/output.js';
import type { SourceRecord } from '../types.js';
import { writeIndexFile } from './index-parquet.js';
import { checkClipFiles } from './part-clip-files.js';
import { newPartId } from './part-id.js';
import { partFiles, PENDING_PARTS_DIR, writeManifest, type PartManifest } from './index-parts.js';
import { hasJournal, partOfShardFile, removeJournal, writeJournal } from './part-layout.js';
import { assertSafeSourceId, clearPending } from './part-markers.js';
import { clipRows, compareRows } from './rows.js';
import { removeShardFiles, writeShards, type ThumbnailMaker } from './shards.js';
import { partTallies, shardTotals, SourceTally } from './stats.js';
import type { WriterFactory, WrittenShard } from './writer.js';

export interface PartWriterOptions {
  /** Target tar size (config `pack.shardBytes`); also the staged kept bytes at which a collector commits. */
  shardBytes: number;
  /**
   * Index rows at which a collector commits whatever their bytes (a source without clips counts
   * one), so sources that keep no clips do not pile up unbounded (default MAX_PART_ROWS).
   */
  maxRows?: number;
  /** Adds `<key>.jpg` to each sample (config `pack.thumbnails`). */
  thumbnail?: ThumbnailMaker;
  /** The sample writer (default: WebDataset tars). */
  makeWriter?: WriterFactory;
  /** Fills in what a finished record still lacks before its clips are packed (captions that failed); returns the record to commit. */
  prepare?: (record: SourceRecord) => Promise<SourceRecord>;
  /**
   * Asked just before a part's manifest: false when this writer no longer owns the sources it
   * commits (a queue worker whose lease on the run lapsed); the part is then abandoned.
   */
  owns?: () => Promise<boolean>;
  /** Hears each step of a commit as it completes (`clip` after each clip written into a tar). */
  onStep?: (step: CommitStep, partId: string) => void | Promise<void>;
}

export type CommitStep = 'journal' | 'clip' | 'tars' | 'index' | 'manifest' | 'cleanup';

export interface CommittedPart {
  manifest: PartManifest;
  /** Kept clips dropped at commit because their file was missing, or lay outside the source's clip folder. */
  missing: string[];
  outside: string[];
}

/** A commit given up before its manifest (see step 3): its sources keep their markers, for the sweep. */
export class PartAbandonedError extends Error {
  constructor(readonly partId: string) {
    super(`part ${partId} was abandoned before its manifest: this writer no longer owns its sources (its lease lapsed, or a sweep removed the part); the sweep commits them`);
  }
}

/** Every file of an uncommitted part: its tars (also temporary ones) and its files under index/pending/, the journal last. */
export async function removeUncommittedPart(outDir: string, partId: string): Promise<void> {
  await removeShardFiles(outDir, (name) => partOfShardFile(name) === partId);
  const dir = path.join(outDir, PENDING_PARTS_DIR);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(`${partId}.`) && !n.endsWith('.writing'))) await fs.rm(path.join(dir, name), { force: true });
  await removeJournal(outDir, partId);
}

const exists = (file: string): Promise<boolean> => fs.stat(file).then(() => true, () => false);

/** True when the part's journal, tars and Parquet file are all there still (a sweep that took the part's sources over removed them). */
async function partIntact(outDir: string, partId: string, shards: readonly WrittenShard[]): Promise<boolean> {
  const files = [partFiles(outDir, partId, 'pending').parquet, ...shards.map((s) => path.join(outDir, s.path))];
  return (await hasJournal(outDir, partId)) && (await Promise.all(files.map(exists))).every(Boolean);
}

/** Step 4 for one source: its staged clips and its marker go (its clips now live in the part's tars). */
export async function releaseSource(out: OutputDir, sourceId: string): Promise<void> {
  assertSafeSourceId(sourceId);
  await fs.rm(path.join(out.root, out.clipsDirRel(sourceId)), { recursive: true, force: true });
  await clearPending(out.root, sourceId);
}

/** Commits the given finished sources as one new part (steps 0 to 4 above). */
export async function commitPart(out: OutputDir, finished: readonly SourceRecord[], opts: PartWriterOptions): Promise<CommittedPart> {
  const partId = newPartId();
  const step = async (name: CommitStep): Promise<void> => {
    await opts.onStep?.(name, partId);
  };
  const records = [...finished].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const prepared = opts.prepare ? await Promise.all(records.map((r) => opts.prepare!(r))) : records;
  const rows = prepared.flatMap(clipRows).sort(compareRows);
  await writeJournal(out.root, partId);
  await step('journal');

  const checked = await checkClipFiles(out, rows);
  const shards = await writeShards(out.root, checked.inputs, {
    partId, shardBytes: opts.shardBytes, thumbnail: opts.thumbnail, makeWriter: opts.makeWriter, onClip: () => step('clip'),
  });
  await step('tars');

  await writeIndexFile(partFiles(out.root, partId, 'pending').parquet, rows);
  await step('index');

  if (!((await opts.owns?.()) ?? true) || !(await partIntact(out.root, partId, shards))) {
    await removeUncommittedPart(out.root, partId);
    throw new PartAbandonedError(partId);
  }

  const tally = new SourceTally();
  for (const record of prepared) tally.add(record);
  const manifest: PartManifest = {
    version: 1, part: partId, sources: prepared.map((r) => r.id), shards, stats: partTallies(tally, rows, shardTotals(shards)),
  };
  await writeManifest(out.root, manifest, 'pending');
  await step('manifest');

  await removeJournal(out.root, partId);
  for (const record of prepared) await releaseSource(out, record.id);
  await step('cleanup');
  return { manifest, missing: checked.missing, outside: checked.outside };
}

/** The default of `maxRows`: a part's rows are held in memory while it is committed. */
export const MAX_PART_ROWS = 10_000;

/** Rows a record adds to its part's index (one at least, so a source without clips counts). */
const rowCount = (record: SourceRecord): number => Math.max(1, record.clips.length);

/** Bytes of a record's kept clip files, as the record states them. */
const keptBytes = (record: SourceRecord): number =>
  record.clips.reduce((sum, clip) => sum + (clip.status === 'kept' ? (clip.bytes ?? 0) : 0), 0);

/**
 * Takes finished sources as they finish and commits them in parts: once their kept clip bytes
 * reach `shardBytes` or their rows `maxRows`, and whenever the owner calls `flush` (end of a run, a worker going idle or
 * stopping). Commits run one at a time, in the order they were asked for.
 */
export class PartCollector {
  private staged: SourceRecord[] = [];
  private stagedBytes = 0;
  private stagedRows = 0;
  private dropped = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly out: OutputDir, readonly opts: PartWriterOptions) {}

  /** Sources staged and not yet handed to a commit. */
  get size(): number {
    return this.staged.length;
  }

  /** Stages a finished source (its record is written, its marker set); commits when the part is full. */
  async add(record: SourceRecord): Promise<void> {
    this.staged.push(record);
    this.stagedBytes += keptBytes(record);
    this.stagedRows += rowCount(record);
    if (this.stagedBytes >= this.opts.shardBytes || this.stagedRows >= (this.opts.maxRows ?? MAX_PART_ROWS)) await this.flush();
  }

  /**
   * Forgets the staged sources without committing them, and makes a commit under way give up before
   * its manifest: for a writer that lost its claim on them (their markers stay: the sweep commits
   * them). A dropped collector commits nothing more.
   */
  drop(): void {
    this.dropped = true;
    this.staged = [];
    this.stagedBytes = 0;
    this.stagedRows = 0;
  }

  private async owns(): Promise<boolean> {
    return !this.dropped && ((await this.opts.owns?.()) ?? true);
  }

  /**
   * Commits everything staged as one part and waits for every commit asked for so far. A failed
   * commit leaves its sources with their markers (the sweep commits them) and rejects.
   */
  flush(): Promise<void> {
    const batch = this.staged;
    this.staged = [];
    this.stagedBytes = 0;
    this.stagedRows = 0;
    const commit = this.queue.then(async () => {
      if (batch.length > 0) await commitPart(this.out, batch, { ...this.opts, owns: () => this.owns() });
    });
    this.queue = commit.catch(() => {});
    return commit;
  }
}
