/**
 * A dataset folder as the dashboard and the report see it: every source record, and every clip
 * with the status it has now. Records are the live truth while a run goes; once pack has run,
 * the index's own decisions (duplicates, missing files, takedowns) override a clip's status.
 * Read-only: nothing here writes into the folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PackStats } from '../pack/index.js';
import { readSourceRecords } from '../pack/records.js';
import { readIndexIfAny } from '../policy/index-file.js';
import { UNKNOWN } from '../policy/licenses.js';
import type { ClipRecord, SourceRecord } from '../types.js';

/** One clip, flattened for tables, filters and charts. */
export interface ClipView {
  id: string;
  sourceId: string;
  status: 'kept' | 'dropped';
  /** The filter (or `duplicate`, `missing_file`) that dropped it: the reason's part before ':'. */
  filter: string | null;
  reason: string | null;
  duplicateOf: string | null;
  start: number;
  end: number;
  duration: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  license: string;
  category: string | null;
  caption: string | null;
  /** Clip file relative to the dataset folder, when the clip was written. */
  file: string | null;
  shard: string | null;
  signals: Record<string, number>;
}

export interface DatasetSnapshot {
  root: string;
  records: SourceRecord[];
  clips: ClipView[];
  stats: PackStats | null;
  /** True once pack has written index.parquet. */
  packed: boolean;
}

/** A manifest field or preset label that names what a clip shows, when the inputs have one. */
const CATEGORY_FIELDS = ['category', 'categories', 'label', 'class', 'genre'];

function firstCategory(bag: Record<string, unknown> | undefined): string | null {
  for (const field of CATEGORY_FIELDS) {
    const value = bag?.[field];
    const first = Array.isArray(value) ? value[0] : value;
    if ((typeof first === 'string' && first.trim()) || typeof first === 'number') return String(first).trim();
  }
  return null;
}

/** The clip's own label (presets), else the source's manifest column, else what the site reported. */
export const categoryOf = (record: SourceRecord, clip?: ClipRecord): string | null =>
  firstCategory(clip?.metadata) ?? firstCategory(record.metadata) ?? firstCategory(record.provenance?.fetcherMetadata);

export const filterOf = (reason: string | null | undefined): string | null => (reason ? reason.split(':')[0]!.trim() : null);

function clipView(record: SourceRecord, clip: ClipRecord): ClipView {
  const video = record.probe?.video;
  const reason = clip.status === 'dropped' ? (clip.reason ?? 'unspecified') : null;
  return {
    id: clip.clipId,
    sourceId: record.id,
    status: clip.status,
    filter: filterOf(reason),
    reason,
    duplicateOf: null,
    start: clip.startTime,
    end: clip.endTime,
    duration: clip.duration,
    width: clip.width ?? video?.width ?? null,
    height: clip.height ?? video?.height ?? null,
    fps: clip.fps ?? video?.fps ?? null,
    license: record.license ?? UNKNOWN,
    category: categoryOf(record, clip),
    caption: clip.caption ?? null,
    file: clip.file ?? null,
    shard: null,
    signals: clip.signals ?? {},
  };
}

async function readStats(root: string): Promise<PackStats | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(root, 'stats.json'), 'utf8')) as PackStats;
  } catch {
    return null;
  }
}

/** Pack's verdicts win over the record's: a duplicate or a missing file is dropped, shards are named. */
function applyIndex(clips: ClipView[], index: Awaited<ReturnType<typeof readIndexIfAny>>): void {
  if (!index) return;
  const byId = new Map(index.map((row) => [row.clip_id, row]));
  for (const clip of clips) {
    const row = byId.get(clip.id);
    if (!row) continue;
    clip.shard = row.shard;
    if (row.status === 'dropped' && clip.status === 'kept') {
      clip.status = 'dropped';
      clip.reason = row.reason;
      clip.filter = filterOf(row.reason);
      clip.duplicateOf = row.duplicate_of;
    }
  }
}

/** Reads the folder as it is now (a run may be writing records meanwhile). */
export async function loadDataset(root: string): Promise<DatasetSnapshot> {
  const records: SourceRecord[] = [];
  for await (const record of readSourceRecords(root)) records.push(record);
  const clips = records.flatMap((record) => record.clips.map((clip) => clipView(record, clip)));
  const index = await readIndexIfAny(root).catch(() => undefined);
  applyIndex(clips, index);
  return { root, records, clips, stats: await readStats(root), packed: index !== undefined };
}
