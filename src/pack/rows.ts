/**
 * One flat row per clip (kept or dropped): what the Parquet index stores, what the duplicate
 * finder reads, and what stats count. Built from a source record by the clip schema
 * (schema/clip-columns.ts), so the index always agrees with `sources/*.json`; pack then fills in
 * its own decisions (missing files, duplicates, shard).
 */
import { clipRow, type ClipRow } from '../schema/clip-columns.js';
import type { SourceRecord } from '../types.js';

export type { ClipRow };

/** The rows of one source's clips. */
export const clipRows = (record: SourceRecord): ClipRow[] => record.clips.map((clip) => clipRow(record, clip));

/** Index order: by source, then position in the source, then id (a total order, so output is stable). */
export function compareRows(a: ClipRow, b: ClipRow): number {
  if (a.source_id !== b.source_id) return a.source_id < b.source_id ? -1 : 1;
  if (a.start_frame !== b.start_frame) return a.start_frame - b.start_frame;
  return a.clip_id < b.clip_id ? -1 : a.clip_id > b.clip_id ? 1 : 0;
}

/** Marks a row dropped by pack itself (missing file, duplicate); it leaves the shards. */
export function dropRow(row: ClipRow, reason: string, duplicateOf: string | null = null): void {
  row.status = 'dropped';
  row.reason = reason;
  row.duplicate_of = duplicateOf;
  row.shard = null;
}
