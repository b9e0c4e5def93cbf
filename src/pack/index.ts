/**
 * Pack: the reduce step at the end of a run (and again after a resume or rerun). Reads every
 * source record, drops kept clips whose file is missing, lets a duplicate finder drop copies,
 * writes the WebDataset shards, `index.parquet` and `stats.json`, and removes shards a previous
 * pack left that this one did not produce. The same records and clip files always give
 * byte-identical shards and index.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PackConfig } from '../config/schema.js';
import { OutputDir, writeFileAtomic } from '../store/output.js';
import { writeDatasetCard } from './card.js';
import { readIndexCounts, writeIndex } from './index-parquet.js';
import { readSourceRecords, type SkippedRecord } from './records.js';
import { clipRows, compareRows, dropRow, type ClipRow } from './rows.js';
import { removeStaleShards, writeShards, type ShardInput, type ThumbnailMaker, type WrittenShard } from './shards.js';
import type { WriterFactory } from './writer.js';
import { balanceMix, type MixConfig } from './mix.js';
import { buildStats, SourceTally, type PackStats, type ShardTotals } from './stats.js';

export type { ClipRow } from './rows.js';
export type { PackStats } from './stats.js';
export type { SkippedRecord } from './records.js';
export type { WrittenShard, ThumbnailMaker } from './shards.js';
export { readIndex, writeIndex } from './index-parquet.js';

export const INDEX_FILE = 'index.parquet';
const STATS_FILE = 'stats.json';
const MISSING_FILE = 'missing_file';
/** A record (edited by hand or by someone else) names a clip file outside its source's clip folder. */
const OUTSIDE_CLIP_FOLDER = 'outside_clip_folder';
const DUPLICATE = 'duplicate';
const SEMANTIC_DUPLICATE = 'semantic_duplicate';
const MIX = 'mix';
/** Clip files checked at once; bounded so a million-clip pack does not open a million handles. */
const STAT_BATCH = 64;

/** Clip id -> id of the kept clip it duplicates. */
export type DuplicateFinder = (clips: ClipRow[]) => Map<string, string> | Promise<Map<string, string>>;

export interface PackHooks {
  /**
   * Receives the kept clips (after the missing-file check, in index order) and returns
   * clip id -> id of the kept clip it duplicates. Mapped clips are dropped with reason
   * `duplicate` and `duplicate_of` set, and stay out of the shards.
   */
  markDuplicates?: DuplicateFinder;
  /** The same over the clips left after `markDuplicates`, by content (embeddings): reason `semantic_duplicate`. */
  markSemanticDuplicates?: DuplicateFinder;
  /** Kept clips written into shards so far, of the total to write. */
  onProgress?: (done: number, total: number) => void;
  /** Used when `cfg.thumbnails` is on: adds `<key>.jpg` to each sample. */
  thumbnail?: ThumbnailMaker;
  /** The sample writer (default: WebDataset tar shards). */
  makeWriter?: WriterFactory;
}

export interface PackSummary {
  sources: number;
  /** Record files skipped as partial or unreadable. */
  skipped: SkippedRecord[];
  clips: { total: number; kept: number; dropped: number };
  /** Ids of kept clips whose file was missing (now dropped). */
  missingFiles: string[];
  /** Clips dropped as duplicates. */
  duplicates: number;
  shards: WrittenShard[];
  /** Stale shard files removed (relative paths). */
  removedShards: string[];
  stats: PackStats;
  warnings: string[];
}

async function isFile(file: string): Promise<number | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat?.isFile() ? stat.size : undefined;
}

/** The size of a kept row's clip file; OUTSIDE_CLIP_FOLDER when its path leaves the source's clip folder. */
async function clipFileSize(out: OutputDir, row: ClipRow): Promise<number | typeof OUTSIDE_CLIP_FOLDER | undefined> {
  if (!row.file) return undefined;
  const file = await out.clipFile(row.source_id, row.file);
  return file === undefined ? OUTSIDE_CLIP_FOLDER : isFile(file);
}

/**
 * Returns the kept rows that have their clip file, with its size; drops the others as
 * `missing_file`, or `outside_clip_folder` when the record points elsewhere (never read).
 */
async function checkClipFiles(outDir: string, rows: ClipRow[]): Promise<{ inputs: ShardInput[]; missing: string[]; outside: string[] }> {
  const out = new OutputDir(outDir);
  const kept = rows.filter((row) => row.status === 'kept');
  const inputs: ShardInput[] = [];
  const missing: string[] = [];
  const outside: string[] = [];
  for (let i = 0; i < kept.length; i += STAT_BATCH) {
    const batch = kept.slice(i, i + STAT_BATCH);
    const sizes = await Promise.all(batch.map((row) => clipFileSize(out, row)));
    batch.forEach((row, j) => {
      const fileBytes = sizes[j];
      if (fileBytes === OUTSIDE_CLIP_FOLDER) {
        dropRow(row, OUTSIDE_CLIP_FOLDER);
        outside.push(row.clip_id);
      } else if (fileBytes === undefined) {
        dropRow(row, MISSING_FILE);
        missing.push(row.clip_id);
      } else inputs.push({ row, fileBytes });
    });
  }
  return { inputs, missing, outside };
}

/** Applies the duplicate finder's verdicts; returns the inputs still kept and the count dropped. */
/** Balancing: the clips of over-full categories that the mix leaves out (they leave the shards). */
function leaveOutForMix(inputs: ShardInput[], mix: MixConfig): ShardInput[] {
  const out = balanceMix(inputs.map((input) => input.row), mix);
  for (const input of inputs) if (out.has(input.row.clip_id)) dropRow(input.row, MIX);
  return inputs.filter((input) => !out.has(input.row.clip_id));
}

async function applyDuplicates(inputs: ShardInput[], hook: DuplicateFinder | undefined, reason: string): Promise<{ inputs: ShardInput[]; dropped: number }> {
  if (!hook) return { inputs, dropped: 0 };
  const verdicts = await hook(inputs.map((input) => input.row));
  const keptIds = new Set(inputs.map((input) => input.row.clip_id));
  const remaining: ShardInput[] = [];
  for (const input of inputs) {
    const original = verdicts.get(input.row.clip_id);
    // A verdict pointing at itself or at a clip that is not kept would leave no copy: ignore it.
    if (original !== undefined && original !== input.row.clip_id && keptIds.has(original)) {
      dropRow(input.row, reason, original);
    } else remaining.push(input);
  }
  return { inputs: remaining, dropped: inputs.length - remaining.length };
}

/** Streams the records once: source counts into a tally, clips into rows (index order). */
async function collectRecords(outDir: string): Promise<{ tally: SourceTally; skipped: SkippedRecord[]; rows: ClipRow[] }> {
  const tally = new SourceTally();
  const skipped: SkippedRecord[] = [];
  const rows: ClipRow[] = [];
  for await (const record of readSourceRecords(outDir, (s) => skipped.push(s))) {
    tally.add(record);
    rows.push(...clipRows(record));
  }
  tally.unreadable = skipped.length;
  rows.sort(compareRows);
  return { tally, skipped, rows };
}

function shardTotals(shards: readonly Pick<WrittenShard, 'bucket' | 'clips' | 'bytes'>[]): ShardTotals {
  const clipsByBucket: Record<string, number> = {};
  for (const s of shards) clipsByBucket[s.bucket] = (clipsByBucket[s.bucket] ?? 0) + s.clips;
  return { count: shards.length, bytes: shards.reduce((sum, s) => sum + s.bytes, 0), clips_by_bucket: clipsByBucket };
}

const writeStats = (outDir: string, stats: PackStats): Promise<void> =>
  writeFileAtomic(path.join(outDir, STATS_FILE), `${JSON.stringify(stats, null, 2)}\n`);

/** README.md (Hugging Face dataset card) and croissant.json, after the index and stats they describe. */
const writeCard = (outDir: string, stats: PackStats, rows: readonly ClipRow[]): Promise<void> =>
  writeDatasetCard(outDir, stats, { hasCaptions: rows.some((row) => row.status === 'kept' && row.caption) });

/** stats.json of an output, or null when it has none (or it cannot be read). */
export const readStats = (outDir: string): Promise<PackStats | null> =>
  fs.readFile(path.join(outDir, STATS_FILE), 'utf8').then((text) => JSON.parse(text) as PackStats, () => null);

/** The shards that the kept rows name, as they are on disk now (bucket = the shard's folder). */
async function shardsOnDisk(outDir: string, rows: readonly ClipRow[]): Promise<Pick<WrittenShard, 'bucket' | 'clips' | 'bytes'>[]> {
  const clipsByShard = new Map<string, number>();
  for (const row of rows) if (row.status === 'kept' && row.shard) clipsByShard.set(row.shard, (clipsByShard.get(row.shard) ?? 0) + 1);
  const shards = [];
  for (const [shard, clips] of clipsByShard) {
    const bytes = await isFile(path.join(outDir, shard));
    if (bytes !== undefined) shards.push({ bucket: path.posix.basename(path.posix.dirname(shard)), clips, bytes });
  }
  return shards;
}

/**
 * Rewrites `stats.json` after the dataset was edited in place (a takedown): source figures from the
 * records as they are now, clip and licence figures from `rows` (the index as it now stands), shard
 * figures from the shard files those rows name. The run's start and end times are kept from the
 * previous stats.json. Does nothing and returns null when there is no stats.json (never packed).
 */
export async function refreshStats(outDir: string, rows: readonly ClipRow[]): Promise<PackStats | null> {
  const previous = await readStats(outDir);
  if (!previous) return null;
  const { tally } = await collectRecords(outDir);
  const run = { startedAt: previous.start_time, finishedAt: previous.end_time };
  const stats = buildStats(tally, rows, run, shardTotals(await shardsOnDisk(outDir, rows)), previous.mix?.targets);
  await writeStats(outDir, stats);
  await writeCard(outDir, stats, rows);
  return stats;
}

export async function pack(
  outDir: string,
  cfg: PackConfig,
  run: { startedAt: string; finishedAt: string },
  hooks: PackHooks = {},
): Promise<PackSummary> {
  const { tally, skipped, rows } = await collectRecords(outDir);

  const checked = await checkClipFiles(outDir, rows);
  const pixelDeduped = await applyDuplicates(checked.inputs, hooks.markDuplicates, DUPLICATE);
  const semantic = await applyDuplicates(pixelDeduped.inputs, hooks.markSemanticDuplicates, SEMANTIC_DUPLICATE);
  const deduped = { inputs: semantic.inputs, dropped: pixelDeduped.dropped + semantic.dropped };
  if (cfg.mix.balance) deduped.inputs = leaveOutForMix(deduped.inputs, cfg.mix);
  const warnings: string[] = [];
  if (checked.outside.length > 0) {
    warnings.push(`${checked.outside.length} kept clips were dropped (reason ${OUTSIDE_CLIP_FOLDER}): their records name files outside the source's clip folder (${checked.outside.slice(0, 3).join(', ')})`);
  }
  const thumbnail = cfg.thumbnails ? hooks.thumbnail : undefined;
  if (cfg.thumbnails && !thumbnail) warnings.push('Thumbnails were asked for, but no thumbnail maker was given; shards have none.');

  const total = deduped.inputs.length;
  let done = 0;
  const shards = await writeShards(outDir, deduped.inputs, cfg.shardBytes, {
    thumbnail, makeWriter: hooks.makeWriter, onClip: () => hooks.onProgress?.(++done, total),
  });
  const removedShards = await removeStaleShards(outDir, new Set(shards.map((s) => s.path)));

  await writeIndex(path.join(outDir, INDEX_FILE), rows);
  const stats = buildStats(tally, rows, run, shardTotals(shards), cfg.mix.targets);
  await writeStats(outDir, stats);
  await writeCard(outDir, stats, rows);

  return {
    sources: tally.total,
    skipped,
    clips: { total: rows.length, kept: stats.clips.kept, dropped: stats.clips.dropped },
    missingFiles: checked.missing,
    duplicates: deduped.dropped,
    shards,
    removedShards,
    stats,
    warnings,
  };
}

export interface OutputSummary {
  sources: PackStats['sources'];
  /** Clips as the records state them (before pack's duplicate and missing-file checks). */
  clips: PackStats['clips'];
  hours: PackStats['hours'];
  skipped: SkippedRecord[];
  /** The last pack's stats.json, when there is one. */
  stats: PackStats | null;
  /** Row counts of index.parquet, when there is one. */
  index: { rows: number; kept: number; dropped: number } | null;
}

/** What `clipmill status` shows: live counts from the records, plus the last pack's outputs. */
export async function summarizeOutput(outDir: string): Promise<OutputSummary> {
  const { tally, skipped, rows } = await collectRecords(outDir);
  const live = buildStats(tally, rows, { startedAt: '', finishedAt: '' }, { count: 0, bytes: 0, clips_by_bucket: {} });
  const stats = await readStats(outDir);
  const indexFile = path.join(outDir, INDEX_FILE);
  const index = (await isFile(indexFile)) === undefined ? null : await readIndexCounts(indexFile);
  return { sources: live.sources, clips: live.clips, hours: live.hours, skipped, stats, index };
}
