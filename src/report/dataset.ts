/**
 * A dataset folder as the dashboard and the report see it: every source record, and every clip
 * with the status it has now. Records are the live truth while a run goes; once pack has run,
 * the index's own decisions (duplicates, missing files, takedowns) override a clip's status.
 * Read-only: nothing here writes into the folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ClipRow, PackStats } from '../pack/index.js';
import { listParts, partFiles, readPartRows, type PartState } from '../pack/index-parts.js';
import { UNKNOWN } from '../policy/licenses.js';
import { RecordStore } from '../store/record-store.js';
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
  /** In source-id order, as pack reads them. */
  records: SourceRecord[];
  clips: ClipView[];
  recordById: Map<string, SourceRecord>;
  clipById: Map<string, ClipView>;
  stats: PackStats | null;
  /** True once pack has written a final index part. */
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
function applyIndex(clips: ClipView[], index: readonly ClipRow[]): void {
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

/** A file's identity for the cache: records and index parts are replaced by rename, never edited in place. */
interface Stamp {
  mtimeMs: number;
  size: number;
}
const sameStamp = (a: Stamp | undefined, b: Stamp): boolean => a !== undefined && a.mtimeMs === b.mtimeMs && a.size === b.size;
const stampOf = (file: string): Promise<Stamp | undefined> => fs.stat(file).then((s) => ({ mtimeMs: s.mtimeMs, size: s.size }), () => undefined);

/** Record files stat'ed (and read) at once: enough to keep the disk busy, few enough handles. */
const READ_BATCH = 128;

const isRecord = (value: unknown): value is SourceRecord => {
  const r = value as Partial<SourceRecord> | null;
  return typeof r === 'object' && r !== null && r.version === 1 && typeof r.id === 'string' && Array.isArray(r.clips);
};

/**
 * Reads the folder again and again while a run writes it, parsing only the records (and the index)
 * that changed since the last read, so a refresh of a large dataset costs a directory listing and
 * a stat per record. Partial (`.tmp`) and unreadable files are left out, as pack leaves them out.
 */
export class DatasetReader {
  private readonly records = new Map<string, { stamp: Stamp; record: SourceRecord | undefined }>();
  /** Rows of each final index part, by part id, with the stamp of its Parquet file. */
  private readonly parts = new Map<string, { stamp: Stamp; rows: ClipRow[] }>();

  constructor(readonly root: string) {}

  private async readRecords(): Promise<SourceRecord[]> {
    const files: string[] = [];
    for await (const entry of new RecordStore(this.root).files()) if (entry.kind === 'record') files.push(entry.file);
    const seen = new Set(files);
    for (const file of this.records.keys()) if (!seen.has(file)) this.records.delete(file);
    for (let i = 0; i < files.length; i += READ_BATCH) {
      await Promise.all(files.slice(i, i + READ_BATCH).map((file) => this.refresh(file)));
    }
    return files.flatMap((file) => this.records.get(file)?.record ?? []);
  }

  /** Parses one record file again when it changed (or is new); forgets it when it is gone. */
  private async refresh(file: string): Promise<void> {
    const stamp = await stampOf(file);
    if (!stamp) return void this.records.delete(file);
    if (sameStamp(this.records.get(file)?.stamp, stamp)) return;
    const parsed: unknown = await fs.readFile(file, 'utf8').then(JSON.parse).catch(() => undefined);
    this.records.set(file, { stamp, record: isRecord(parsed) ? parsed : undefined });
  }

  /**
   * The index rows of the parts in `state`, reading again only the parts that changed or are new.
   * Pending parts are those a run committed as its sources finished: their clips have left
   * `clips/` for the part's shards, and only the pack's verdicts are still to come.
   */
  private async readIndex(state: PartState): Promise<{ ids: string[]; rows: ClipRow[] }> {
    const ids = await listParts(this.root, state);
    const key = (id: string) => `${state}/${id}`;
    const seen = new Set(ids.map(key));
    for (const k of this.parts.keys()) if (k.startsWith(`${state}/`) && !seen.has(k)) this.parts.delete(k);
    for (const id of ids) {
      const stamp = await stampOf(partFiles(this.root, id, state).parquet);
      if (!stamp) continue;
      if (sameStamp(this.parts.get(key(id))?.stamp, stamp)) continue;
      const rows = await readPartRows(this.root, id, state).catch(() => undefined);
      if (rows) this.parts.set(key(id), { stamp, rows });
    }
    return { ids, rows: ids.flatMap((id) => this.parts.get(key(id))?.rows ?? []) };
  }

  /** The folder as it is now (a run may be writing records meanwhile). */
  async snapshot(): Promise<DatasetSnapshot> {
    const records = await this.readRecords();
    const clips = records.flatMap((record) => record.clips.map((clip) => clipView(record, clip)));
    const pending = await this.readIndex('pending');
    const final = await this.readIndex('final');
    // A final part's row wins over a pending copy of the same clip (a part being reduced).
    applyIndex(clips, [...pending.rows, ...final.rows]);
    return {
      root: this.root,
      records,
      clips,
      recordById: new Map(records.map((r) => [r.id, r])),
      clipById: new Map(clips.map((c) => [c.id, c])),
      stats: await readStats(this.root),
      packed: final.ids.length > 0,
    };
  }
}

/** Reads the folder once. */
export const loadDataset = (root: string): Promise<DatasetSnapshot> => new DatasetReader(root).snapshot();
