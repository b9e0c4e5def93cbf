/**
 * Takedown: removing every clip of some sources from a finished dataset, and keeping them out of
 * every later run into the same directory.
 *
 * Order matters for a takedown that is killed part way: first the `takedowns.jsonl` entry and the
 * source records (marked refused, without clips), so from then on no run admits the sources and no
 * pack puts their clips back; then the shards, the index, the clip files and the stats. Shards are
 * edited before the index, so while a shard still holds a sample the index still names its clip:
 * running the same takedown again finds what is left and finishes the job (appending one more
 * entry for what that run removed).
 */
import { appendFile, readFile, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FatalError } from '../errors.js';
import { refreshStats, writeIndex } from '../pack/index.js';
import { memberKey, SHARDS_DIR } from '../pack/shards.js';
import { canonicalUri, sourceId } from '../sources/ids.js';
import { OutputDir } from '../store/output.js';
import type { SourceRecord } from '../types.js';
import { writeAttribution, ATTRIBUTION_FILE } from './attribution.js';
import { indexPath, readIndexIfAny } from './index-file.js';
import { listTarFiles, rewriteTarWithout, sampleKey, tarMemberNames } from './shard-edit.js';

export const TAKEDOWNS_FILE = 'takedowns.jsonl';
const SOURCE_ID = /^[0-9a-f]{16}$/;

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

/** The shards holding any of `keys` (relative paths), and how many of those samples they hold. */
async function shardsHolding(outDir: string, keys: ReadonlySet<string>): Promise<{ shards: string[]; samples: number }> {
  const shards: string[] = [];
  const samples = new Set<string>();
  for (const file of await listTarFiles(path.join(outDir, SHARDS_DIR))) {
    const hits = (await tarMemberNames(file)).map(sampleKey).filter((key) => keys.has(key));
    if (hits.length === 0) continue;
    hits.forEach((key) => samples.add(key));
    shards.push(path.relative(outDir, file).split(path.sep).join('/'));
  }
  return { shards, samples: samples.size };
}

/** Rewrites the given shards without `keys`; returns those deleted because nothing was left. */
async function pruneShards(outDir: string, shards: readonly string[], keys: ReadonlySet<string>): Promise<string[]> {
  const deleted: string[] = [];
  for (const rel of shards) {
    const file = path.join(outDir, rel);
    if ((await rewriteTarWithout(file, keys)) === 0) {
      deleted.push(rel);
      await rmdir(path.dirname(file)).catch(() => {}); // the bucket folder, when it is now empty
    }
  }
  return deleted;
}

/** Marks a source record refused by takedown, without clips, so a rerun skips the source; a record already so marked keeps its message. */
async function markRecord(out: OutputDir, record: SourceRecord, message: string): Promise<void> {
  if (record.status === 'refused' && record.error?.code === ErrorCode.RefusedTakedown) return;
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
 * shards (only the shards holding them are rewritten) and their rows leave the index; their clip
 * files are deleted; `stats.json` and ATTRIBUTION.md, when present, are written again without
 * them. Safe to run again after being killed at any point (see the order above).
 */
export async function takedown(outDir: string, refs: readonly string[], reason: string): Promise<TakedownResult> {
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
  const clipIds = new Set<string>([...records.values()].flatMap((r) => r.clips.map((c) => c.clipId)));
  const rows = await readIndexIfAny(outDir);
  for (const row of rows ?? []) if (idSet.has(row.source_id)) clipIds.add(row.clip_id);
  const keys = new Set([...clipIds].map(memberKey));
  const { shards, samples } = await shardsHolding(outDir, keys);

  const entry: TakedownEntry = { time, sources: ids, clips: clipIds.size, samples, reason, shards };
  await appendFile(path.join(outDir, TAKEDOWNS_FILE), JSON.stringify(entry) + '\n');
  for (const record of records.values()) await markRecord(out, record, `Taken down on ${time}: ${reason}`);

  const deleted = await pruneShards(outDir, shards, keys);
  const remaining = rows?.filter((row) => !idSet.has(row.source_id));
  if (rows && remaining && remaining.length !== rows.length) await writeIndex(indexPath(outDir), remaining);

  // The clip folder holds every clip file of a source, also after its record lost the clip list.
  for (const id of ids) await rm(path.join(outDir, out.clipsDirRel(id)), { recursive: true, force: true });
  for (const record of records.values()) {
    for (const clip of record.clips) {
      // Only inside the source's own clip folder: a record may have been edited to point anywhere.
      const file = clip.file && (await out.clipFile(record.id, clip.file));
      if (file) await rm(file, { force: true });
    }
  }
  // Clip, licence and shard figures follow the edited index; refusals follow the marked records.
  if (remaining) await refreshStats(outDir, remaining);
  if (await exists(path.join(outDir, ATTRIBUTION_FILE))) await writeAttribution(outDir);
  return { ...entry, deletedShards: deleted, unknownSources: ids.filter((id) => !records.has(id)) };
}
