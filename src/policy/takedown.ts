/**
 * Takedown: removing every clip of some sources from a finished dataset, and keeping them out of
 * every later run into the same directory.
 *
 * The parts holding a source's rows are found through the part manifests (each lists its
 * sources), so a takedown reads one small file per part and rewrites only those parts: their tars
 * holding the source's samples, their index rows and manifest; every other tar and part stays
 * byte-identical. Pending parts (not reduced yet) are edited the same way; the reduce also drops
 * the rows of any source in `takedowns.jsonl`, so a part committed later cannot bring them back.
 *
 * Order matters for a takedown that is killed part way: first the `takedowns.jsonl` entry and the
 * source records (marked refused, without clips), so from then on no run admits the sources and no
 * pack puts their clips back; then each part (tars before its rows, rows before its manifest, so
 * while a tar still holds a sample the part's rows still name its clip), the totals (journalled,
 * see pack/totals.ts), the staged clip files and the stats. Running the same takedown again finds
 * what is left and finishes the job (appending one more entry for what that run removed).
 */
import { appendFile, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FatalError } from '../errors.js';
import { readManifests, readPartRows, type PartManifest, type PartState } from '../pack/index-parts.js';
import { partEdit, writePart } from '../pack/reduce-part.js';
import type { ClipRow } from '../pack/rows.js';
import { beginTotalsUpdate, finishInterruptedUpdate, finishTotalsUpdate, knownSignals, readStats, readTotals, writeTotalsFiles } from '../pack/totals.js';
import { canonicalUri, sourceId } from '../sources/ids.js';
import { OutputDir, writeJsonAtomic } from '../store/output.js';
import { withOutputLock } from '../store/run-lock.js';
import type { SourceRecord } from '../types.js';
import { writeAttribution, ATTRIBUTION_FILE } from './attribution.js';

export const TAKEDOWNS_FILE = 'takedowns.jsonl';
/** A takedown under way: written before its first change, removed after its last; a pack finishes one a crash left. */
const IN_PROGRESS_FILE = '.takedown-in-progress.json';
const SOURCE_ID = /^[0-9a-f]{16}$/;

/** The in-progress note: what is taken down, and the parts being edited. */
interface InProgress {
  sources: string[];
  reason: string;
  parts?: string[];
}

/** One line of `takedowns.jsonl`. */
export interface TakedownEntry {
  time: string;
  /** Source ids taken down. */
  sources: string[];
  /** Clips of those sources removed from the index and records (kept and dropped ones). */
  clips: number;
  /** Samples removed from the shards. */
  samples: number;
  reason: string;
  /** Shard files rewritten (or deleted when emptied), relative to the output directory. */
  shards: string[];
  /** Index parts rewritten. */
  parts?: string[];
}

export interface TakedownResult extends TakedownEntry {
  /** Shards deleted because nothing was left in them. */
  deletedShards: string[];
  /** Named sources this dataset has no record of (a typo, or a takedown ahead of any run). */
  unknownSources: string[];
}

/** A source id (16 hex digits) as given, anything else as a URI or path: `sourceId(canonicalUri(ref))`. */
function resolveSourceRef(ref: string): string {
  const text = ref.trim();
  if (SOURCE_ID.test(text)) return text;
  try {
    return sourceId(canonicalUri(text));
  } catch (e) {
    throw new FatalError(`Cannot take down "${ref}": not a source id, URL or path (${(e as Error).message}).`);
  }
}

/** Source references from a list file: one id, URL or path a line; `#` comments and blank lines ignored. */
export async function readSourceList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new FatalError(`Cannot read the takedown list ${file}: ${(e as Error).message}`);
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** Source ids ever taken down from `outDir`; a run refuses them. Empty when there is no takedown file. */
export async function loadTakedowns(outDir: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path.join(outDir, TAKEDOWNS_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw e;
  }
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let entry: Partial<TakedownEntry>;
    try {
      entry = JSON.parse(line) as Partial<TakedownEntry>;
    } catch {
      throw new FatalError(`${path.join(outDir, TAKEDOWNS_FILE)}:${i + 1} is not valid JSON; fix it so that taken-down sources stay refused.`);
    }
    for (const id of entry.sources ?? []) ids.add(id);
  });
  return ids;
}

const exists = (file: string): Promise<boolean> => stat(file).then(() => true, () => false);

/** A part holding rows of the sources taken down, with all its rows as they are now. */
interface HitPart {
  state: PartState;
  manifest: PartManifest;
  rows: ClipRow[];
  /** Named by a takedown a crash interrupted: rewritten whatever its rows say (tars hashed again). */
  redo: boolean;
}

/**
 * The parts (final and pending) whose rows include any of the sources `ids`, or that hold one of
 * the sources in `remarked` (its record changes now, so the part's source figures do too).
 */
async function partsHolding(outDir: string, ids: ReadonlySet<string>, remarked: ReadonlySet<string>, interrupted: ReadonlySet<string>): Promise<HitPart[]> {
  const hits: HitPart[] = [];
  const seen = new Set<string>();
  for (const state of ['final', 'pending'] as const) {
    for await (const manifest of readManifests(outDir, state)) {
      // Final first: a part a reduce made final before removing its pending files is edited once.
      if (seen.has(manifest.part) || !manifest.sources.some((id) => ids.has(id))) continue;
      const rows = await readPartRows(outDir, manifest.part, state);
      // A part whose rows of these sources are already gone (an earlier takedown) is left as it is,
      // unless the interrupted takedown named it: its rows may be written and its manifest not yet.
      const redo = interrupted.has(manifest.part);
      if (redo || rows.some((row) => ids.has(row.source_id)) || manifest.sources.some((id) => remarked.has(id))) {
        hits.push({ state, manifest, rows, redo });
        seen.add(manifest.part);
      }
    }
  }
  return hits;
}

/** Rewrites the parts without the rows of `ids` (and their tars without their samples); returns the tars deleted as emptied. */
async function pruneParts(outDir: string, hits: readonly HitPart[], ids: ReadonlySet<string>): Promise<string[]> {
  const finals = hits.filter((h) => h.state === 'final').map((h) => h.manifest.part);
  const journal = finals.length > 0 ? await beginTotalsUpdate(outDir, finals) : undefined;
  const deleted: string[] = [];
  const signals = knownSignals(await readTotals(outDir));
  for (const hit of hits) {
    const gone = new Set(hit.rows.filter((row) => ids.has(row.source_id)).map((row) => row.clip_id));
    const wasShard = new Map(hit.rows.map((row) => [row.clip_id, row.shard]));
    const rewritten = await writePart(outDir, hit.manifest, { ...partEdit(hit.rows, gone, wasShard), signals, refresh: hit.redo }, hit.state);
    deleted.push(...rewritten.deleted);
  }
  if (journal) await finishTotalsUpdate(outDir, journal);
  return deleted;
}

const isTakenDown = (record: SourceRecord): boolean => record.status === 'refused' && record.error?.code === ErrorCode.RefusedTakedown;

/** Marks a source record refused by takedown, without clips, so a rerun skips the source; a record already so marked keeps its message. */
async function markRecord(out: OutputDir, record: SourceRecord, message: string): Promise<void> {
  if (isTakenDown(record)) return;
  await out.writeRecord({
    ...record,
    status: 'refused',
    clips: [],
    error: { code: ErrorCode.RefusedTakedown, message, transient: false },
  } satisfies SourceRecord);
}

/**
 * Takes sources (ids, URLs or paths) down from the dataset in `outDir`: an entry is appended to
 * `takedowns.jsonl`; their records become `refused` / `refused_takedown`; their samples leave the
 * shards and their rows the index (only the parts and tars holding them are rewritten); their clip
 * files are deleted; `stats.json` and ATTRIBUTION.md, when present, are written again without
 * them. Safe to run again after being killed at any point (see the order above). Holds the
 * output's lock: refused while another process runs or packs into `outDir`.
 */
export async function takedown(outDir: string, refs: readonly string[], reason: string): Promise<TakedownResult> {
  return withOutputLock(outDir, () => takedownParts(outDir, refs, reason, []));
}

/** A takedown; `interrupted`: the parts an earlier, interrupted run of it was editing (see resumeTakedown). */
async function takedownParts(outDir: string, refs: readonly string[], reason: string, interrupted: readonly string[]): Promise<TakedownResult> {
  if (refs.length === 0) throw new FatalError('Nothing to take down: name at least one source (--source or --list).');
  if (reason.trim() === '') throw new FatalError('A takedown needs a reason (--reason).');
  const out = new OutputDir(outDir);
  const ids = [...new Set(refs.map(resolveSourceRef))].sort();
  const idSet = new Set(ids);
  const time = new Date().toISOString();

  const records = new Map<string, SourceRecord>();
  for (const id of ids) {
    const record = await out.readRecord(id);
    if (record) records.set(id, record);
  }
  // A crash may have left a change of the totals unfinished: finished first, so this one starts from them.
  await finishInterruptedUpdate(outDir);
  const remarked = new Set([...records.values()].filter((r) => !isTakenDown(r)).map((r) => r.id));
  const hits = await partsHolding(outDir, idSet, remarked, new Set(interrupted));
  const clipIds = new Set<string>([...records.values()].flatMap((r) => r.clips.map((c) => c.clipId)));
  const shards = new Set<string>();
  let samples = 0;
  for (const { rows } of hits) {
    for (const row of rows.filter((r) => idSet.has(r.source_id))) {
      clipIds.add(row.clip_id);
      if (row.shard) shards.add(row.shard), samples++;
    }
  }

  const parts = hits.map((h) => h.manifest.part);
  const entry: TakedownEntry = { time, sources: ids, clips: clipIds.size, samples, reason, shards: [...shards].sort(), parts };
  // The parts about to change are noted: a rerun rewrites each of them, also one whose rows a crash left written and its manifest not.
  await writeJsonAtomic(path.join(outDir, IN_PROGRESS_FILE), { sources: ids, reason, parts: [...new Set([...interrupted, ...parts])] } satisfies InProgress);
  await appendFile(path.join(outDir, TAKEDOWNS_FILE), JSON.stringify(entry) + '\n');
  for (const record of records.values()) await markRecord(out, record, `Taken down on ${time}: ${reason}`);

  const deleted = await pruneParts(outDir, hits, idSet);

  // The clip folder holds every clip file of a source, also after its record lost the clip list.
  for (const id of ids) await rm(path.join(outDir, out.clipsDirRel(id)), { recursive: true, force: true });
  for (const record of records.values()) {
    for (const clip of record.clips) {
      // Only inside the source's own clip folder: a record may have been edited to point anywhere.
      const file = clip.file && (await out.clipFile(record.id, clip.file));
      if (file) await rm(file, { force: true });
    }
  }
  // Clip, licence and shard figures follow the edited parts, refusals the marked records; the run's times stay.
  const previous = await readStats(outDir);
  if (previous) {
    const run = { startedAt: previous.start_time, finishedAt: previous.end_time };
    await writeTotalsFiles(outDir, await readTotals(outDir), run, { unreadable: previous.sources.unreadable, mixTargets: previous.mix?.targets });
  }
  if (await exists(path.join(outDir, ATTRIBUTION_FILE))) await writeAttribution(outDir);
  await rm(path.join(outDir, IN_PROGRESS_FILE), { force: true });
  return { ...entry, deletedShards: deleted, unknownSources: ids.filter((id) => !records.has(id)) };
}

/**
 * Runs again a takedown that a crash interrupted (final parts are edited only by a takedown, so
 * only this brings it to its end); nothing when none was. Returns its result.
 */
export async function resumeTakedown(outDir: string): Promise<TakedownResult | undefined> {
  let interrupted: InProgress;
  try {
    interrupted = JSON.parse(await readFile(path.join(outDir, IN_PROGRESS_FILE), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return withOutputLock(outDir, () => takedownParts(outDir, interrupted.sources, interrupted.reason, interrupted.parts ?? []));
}
