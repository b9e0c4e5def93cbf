/**
 * Pack: the reduce at the end of a run (and after a resume, an append, or workers). It never holds
 * the dataset: it works on the pending parts only (see index-parts.ts), so its time and memory
 * follow what was added, and every final shard stays byte-identical. Steps, each safe to redo:
 *
 * 1. Sweep (the writer's side): sources finished but in no committed part are committed into
 *    new pending parts; leftovers of killed writers are cleaned.
 * 2. Verdicts for the pending parts' clips, 64 parts at a time (reduce-verdicts.ts): taken-down sources leave, then
 *    near-duplicates against the dataset's duplicate index and among the pending clips, semantic
 *    duplicates and content-mix balancing among the pending clips.
 *    One copy of each source (reduce-copies.ts): a source done twice (redone, or by two workers)
 *    stays only in its newest part; older pending copies are left out, an older final part is
 *    rewritten without it (found through source-parts.ts, which each part made final updates).
 * 3. Each pending part becomes final (reduce-part.ts): only its tars holding dropped members are
 *    rewritten, its rows and manifest go to `index/parts/`, its kept clips' signatures join the
 *    duplicate index, its pending files are removed.
 * Then final parts holding a clip whose caption failed are described again (redescribe.ts).
 * 4. Totals (totals.ts): previous totals + the new final parts' tallies, journalled so that a
 *    crash never counts a part twice (a takedown a crash interrupted is finished first); stats.json
 *    and the dataset card from the totals.
 */
import { promises as fs } from 'node:fs';
import type { PackConfig } from '../config/schema.js';
import { loadTakedowns, resumeTakedown } from '../policy/takedown.js';
import { OutputDir } from '../store/output.js';
import { dedupRowOf } from './dedup.js';
import type { DuplicateIndex } from './duplicate-index.js';
import { listParts, partFiles, readManifest, readPartRows } from './index-parts.js';
import { sweepPending } from './part-sweep.js';
import { recordFinalPart } from './source-parts.js';
import type { PartWriterOptions } from './part-writer.js';
import { readSourceRecords, type SkippedRecord } from './records.js';
import { olderFinalCopies, olderPendingCopies, pruneFinalCopies } from './reduce-copies.js';
import { partEdit, writePart } from './reduce-part.js';
import { redescribeParts } from './redescribe.js';
import { decideVerdicts, type DuplicateFinder } from './reduce-verdicts.js';
import { MISSING_FILE, OUTSIDE_CLIP_FOLDER } from './part-clip-files.js';
import { clipRows, type ClipRow } from './rows.js';
import type { ThumbnailMaker, WrittenShard } from './shards.js';
import { addTallies, emptyTallies, partTallies, SourceTally, statsFromTallies, subtractTallies, type PackStats } from './stats.js';
import { beginTotalsUpdate, finishTotalsUpdate, knownSignals, openJournal, readStats, readTotals, writeTotalsFiles, type Totals, type TotalsJournal } from './totals.js';
import type { WriterFactory } from './writer.js';

export type { ClipRow } from './rows.js';
export type { PackStats } from './stats.js';
export type { SkippedRecord } from './records.js';
export type { WrittenShard, ThumbnailMaker } from './shards.js';
export type { DuplicateFinder } from './reduce-verdicts.js';
export { readIndex, readIndexRows } from './index-parts.js';
export { readStats } from './totals.js';

export interface PackHooks {
  /**
   * Opens the dataset's near-duplicate index (default: none, no pixel dedup). Kept pending clips
   * it maps to another clip are dropped with reason `duplicate` and `duplicate_of` set, and leave
   * the tars; the kept clips of each new final part are added to it.
   */
  duplicateIndex?: () => Promise<DuplicateIndex>;
  /** The same among the pending clips left after it, by content (embeddings): reason `semantic_duplicate`. */
  markSemanticDuplicates?: DuplicateFinder;
  /** Fills in what a record swept into a part still lacks (captions that failed), as a writer's own `prepare`. */
  prepare?: PartWriterOptions['prepare'];
  /** Used when `cfg.thumbnails` is on: adds `<key>.jpg` to each sample the sweep writes. */
  thumbnail?: ThumbnailMaker;
  /** The sample writer of the sweep (default: WebDataset tar shards). */
  makeWriter?: WriterFactory;
  /** Pending parts reduced together (default 64): bounds the reduce's memory. */
  batchParts?: number;
  /** Hears each step of the reduce as it completes (a part made final, its signatures added, its pending files removed; the totals). */
  onStep?: (step: ReduceStep, partId?: string) => void | Promise<void>;
}

export type ReduceStep = 'final' | 'signatures' | 'cleanup' | 'totals';

export interface PackSummary {
  /** Sources in the dataset (all final parts). */
  sources: number;
  /** Clips of the whole dataset. */
  clips: { total: number; kept: number; dropped: number };
  /** Ids of this pack's kept clips whose file was missing when their part was committed (dropped). */
  missingFiles: string[];
  /** Clips this pack dropped as duplicates. */
  duplicates: number;
  /** Parts this pack made final. */
  parts: string[];
  /** The tars of those parts. */
  shards: WrittenShard[];
  /** Parts whose writer was killed before their commit: their files were removed. */
  removedParts: string[];
  /** Tars this pack's verdicts emptied, so removed (relative paths). */
  removedShards: string[];
  stats: PackStats;
  warnings: string[];
}

interface ReduceContext {
  outDir: string;
  cfg: PackConfig;
  hooks: PackHooks;
  duplicateIndex?: DuplicateIndex;
  takenDown: ReadonlySet<string>;
}

interface BatchResult {
  parts: string[];
  shards: WrittenShard[];
  removedShards: string[];
  duplicates: number;
  /** Kept clips their writer dropped at commit: file missing, or outside the source's clip folder. */
  missing: string[];
  outside: string[];
}

/** Pending parts reduced together (a part holds at most ~10,000 rows, see PartCollector's maxRows). */
const REDUCE_BATCH_PARTS = 64;

const emptyBatch = (): BatchResult => ({ parts: [], shards: [], removedShards: [], duplicates: 0, missing: [], outside: [] });

const keptSignatures = (rows: readonly ClipRow[]) => rows.filter((r) => r.status === 'kept' && r.signature).map(dedupRowOf);

async function removePendingFiles(outDir: string, partId: string): Promise<void> {
  const files = partFiles(outDir, partId, 'pending');
  // The manifest first: from then on the part is no longer pending, whatever is left.
  await fs.rm(files.manifest, { force: true });
  await fs.rm(files.parquet, { force: true });
}

/** Steps 2 and 3 for the journalled parts; those already final only get their cleanup finished. */
async function reduceBatch(ctx: ReduceContext, journal: TotalsJournal): Promise<BatchResult> {
  const { outDir } = ctx;
  const result = emptyBatch();
  const pending: { id: string; sources: string[]; shards: WrittenShard[]; rows: ClipRow[] }[] = [];
  for (const id of journal.parts) {
    const final = await readManifest(outDir, id, 'final');
    if (final) {
      // Made final before a crash (or an older copy's part): signatures (idempotent per part), source-parts and cleanup may be missing.
      await ctx.duplicateIndex?.add(id, keptSignatures(await readPartRows(outDir, id, 'final')));
      await recordFinalPart(outDir, id, final.sources);
      await removePendingFiles(outDir, id);
      continue;
    }
    const manifest = await readManifest(outDir, id, 'pending');
    if (!manifest) continue; // taken by another reducer meanwhile: nothing of ours to do
    pending.push({ id, sources: manifest.sources, shards: manifest.shards, rows: await readPartRows(outDir, id, 'pending') });
  }
  // One copy of each source: older pending copies are left out below, older final ones rewritten now (journalled).
  const olderPending = olderPendingCopies(pending);
  const copiesOf = (partId: string) => olderPending.get(partId) ?? new Set<string>();
  const journalled = new Set(journal.parts);
  const olderFinal = new Map([...(await olderFinalCopies(outDir, pending.map((p) => ({ id: p.id, sources: p.sources.filter((s) => !copiesOf(p.id).has(s)) }))))].filter(([id]) => journalled.has(id)));
  const wasShard = new Map(pending.map((p) => [p.id, new Map(p.rows.map((r) => [r.clip_id, r.shard]))]));
  const allRows = pending.flatMap((p) => p.rows.filter((r) => !copiesOf(p.id).has(r.source_id)));
  const verdicts = await decideVerdicts(allRows, {
    takenDown: ctx.takenDown,
    duplicateIndex: ctx.duplicateIndex,
    markSemanticDuplicates: ctx.hooks.markSemanticDuplicates,
    mix: ctx.cfg.mix,
    existingCategories: journal.base.tallies.categories,
  });
  result.duplicates = verdicts.duplicates;
  // Every part gets a column for every signal the dataset has, so that its parts share one schema.
  const signals = [...new Set([...knownSignals(journal.base), ...allRows.flatMap((r) => Object.keys(r.signals))])];
  result.removedShards.push(...(await pruneFinalCopies(outDir, olderFinal, signals)));
  for (const row of allRows) {
    if (row.reason === MISSING_FILE) result.missing.push(row.clip_id);
    else if (row.reason === OUTSIDE_CLIP_FOLDER) result.outside.push(row.clip_id);
  }
  for (const part of pending) {
    const copies = copiesOf(part.id);
    const gone = new Set([...verdicts.removed, ...part.rows.filter((r) => copies.has(r.source_id)).map((r) => r.clip_id)]);
    const sources = part.sources.filter((id) => !copies.has(id));
    const { manifest, deleted } = await writePart(outDir, { part: part.id, sources, shards: part.shards }, { ...partEdit(part.rows, gone, wasShard.get(part.id)!), signals });
    await ctx.hooks.onStep?.('final', part.id);
    await ctx.duplicateIndex?.add(part.id, keptSignatures(part.rows.filter((r) => !gone.has(r.clip_id))));
    await ctx.hooks.onStep?.('signatures', part.id);
    await recordFinalPart(outDir, part.id, sources);
    await removePendingFiles(outDir, part.id);
    await ctx.hooks.onStep?.('cleanup', part.id);
    result.parts.push(part.id);
    result.shards.push(...manifest.shards);
    result.removedShards.push(...deleted);
  }
  return result;
}

/** Final parts holding an older copy of a source of the pending parts `ids` (their totals change too). */
async function finalPartsWithCopies(outDir: string, ids: readonly string[]): Promise<string[]> {
  const parts: { id: string; sources: string[] }[] = [];
  for (const id of ids) {
    const manifest = await readManifest(outDir, id, 'pending');
    if (manifest) parts.push({ id, sources: manifest.sources });
  }
  return [...(await olderFinalCopies(outDir, parts)).keys()];
}

/** Finishes an interrupted totals update, then reduces whatever is pending now; the totals after. */
async function reduceAll(ctx: ReduceContext): Promise<{ totals: Totals; base?: Totals; batch: BatchResult }> {
  const batch = emptyBatch();
  const add = (r: BatchResult) => {
    for (const key of ['parts', 'shards', 'removedShards', 'missing', 'outside'] as const) (batch[key] as unknown[]).push(...r[key]);
    batch.duplicates += r.duplicates;
  };
  let totals: Totals | undefined;
  const interrupted = await openJournal(ctx.outDir);
  let base = interrupted?.base;
  if (interrupted) {
    add(await reduceBatch(ctx, interrupted));
    totals = await finishTotalsUpdate(ctx.outDir, interrupted);
  }
  // In batches of parts, oldest first, so memory is bounded by the batch, not by what is pending.
  // A later batch is deduped against the earlier ones through the duplicate index, counts their
  // categories (the totals) and takes an older copy of a source out of their now final parts.
  const pending = await listParts(ctx.outDir, 'pending');
  const size = Math.max(1, ctx.hooks.batchParts ?? REDUCE_BATCH_PARTS);
  for (let from = 0; from < pending.length; from += size) {
    const ids = pending.slice(from, from + size);
    const journal = await beginTotalsUpdate(ctx.outDir, [...ids, ...(await finalPartsWithCopies(ctx.outDir, ids))]);
    base ??= journal.base;
    add(await reduceBatch(ctx, journal));
    totals = await finishTotalsUpdate(ctx.outDir, journal);
    await ctx.hooks.onStep?.('totals');
  }
  return { totals: totals ?? (await readTotals(ctx.outDir)), base, batch };
}

export async function pack(
  outDir: string,
  cfg: PackConfig,
  run: { startedAt: string; finishedAt: string },
  hooks: PackHooks = {},
): Promise<PackSummary> {
  const warnings: string[] = [];
  const thumbnail = cfg.thumbnails ? hooks.thumbnail : undefined;
  if (cfg.thumbnails && !thumbnail) warnings.push('Thumbnails were asked for, but no thumbnail maker was given; shards have none.');
  const swept = await sweepPending(new OutputDir(outDir), { shardBytes: cfg.shardBytes, thumbnail, makeWriter: hooks.makeWriter, prepare: hooks.prepare });
  if (swept.forgottenSources > 0) {
    warnings.push(`${swept.forgottenSources} finished sources had no readable record any more; the next run does them again.`);
  }

  const duplicateIndex = await hooks.duplicateIndex?.();
  let reduced: Awaited<ReturnType<typeof reduceAll>>;
  try {
    reduced = await reduceAll({ outDir, cfg, hooks, duplicateIndex, takenDown: await loadTakedowns(outDir) });
  } finally {
    await duplicateIndex?.close();
  }
  const { batch } = reduced;
  // Captions that failed in final parts are asked for again (nothing to do while the totals count none).
  const redescribed = hooks.prepare ? await redescribeParts(outDir, { prepare: hooks.prepare, shardBytes: cfg.shardBytes, thumbnail, makeWriter: hooks.makeWriter }) : [];
  // A takedown killed part way still has final parts to edit: finished now, before the totals are written.
  const resumed = await resumeTakedown(outDir);
  const totals = resumed || redescribed.length > 0 ? await readTotals(outDir) : reduced.totals;
  // This pack's throughput: what its journals added to the totals (also parts a killed pack left
  // final); a pack that found nothing to add (a rerun after a kill past the totals) rates the whole dataset.
  const runTallies = reduced.base && subtractTallies(reduced.totals.tallies, reduced.base.tallies);
  const stats = await writeTotalsFiles(outDir, totals, run, { unreadable: swept.forgottenSources, mixTargets: cfg.mix.targets, runTallies });
  if (batch.outside.length > 0) {
    warnings.push(`${batch.outside.length} kept clips were dropped (reason ${OUTSIDE_CLIP_FOLDER}): their records name files outside the source's clip folder (${batch.outside.slice(0, 3).join(', ')})`);
  }
  return {
    sources: stats.sources.total,
    clips: { total: stats.clips.total, kept: stats.clips.kept, dropped: stats.clips.dropped },
    missingFiles: batch.missing,
    duplicates: batch.duplicates,
    parts: batch.parts,
    shards: batch.shards,
    removedParts: swept.removedParts,
    removedShards: batch.removedShards,
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
  /** Row counts of the index (the final parts), when there is one. */
  index: { rows: number; kept: number; dropped: number; parts: number } | null;
  /** Parts committed but not reduced yet (a run or its workers are going, or a pack is due). */
  pendingParts: number;
}

/** What `clipmill status` shows: live counts from the records, plus the index totals. */
export async function summarizeOutput(outDir: string): Promise<OutputSummary> {
  const skipped: SkippedRecord[] = [];
  const noShards = { count: 0, bytes: 0, clips_by_bucket: {} };
  // One record at a time: the live figures are a sum, like the totals.
  let live = emptyTallies();
  for await (const record of readSourceRecords(outDir, (s) => skipped.push(s))) {
    const one = new SourceTally();
    one.add(record);
    live = addTallies(live, partTallies(one, clipRows(record), noShards));
  }
  const { sources, clips, hours } = statsFromTallies(live, { startedAt: '', finishedAt: '' }, { unreadable: skipped.length });
  const totals = await readTotals(outDir);
  const c = totals.tallies.clips;
  const index = totals.parts > 0 ? { rows: c.total, kept: c.kept, dropped: c.dropped, parts: totals.parts } : null;
  const pendingParts = (await listParts(outDir, 'pending')).length;
  return { sources, clips, hours, skipped, stats: await readStats(outDir), index, pendingParts };
}
