/**
 * One flat row per clip (kept or dropped): what the Parquet index stores, what the duplicate
 * finder reads, and what stats count. Built from a source record, so the index always agrees
 * with `sources/*.json`; pack then fills in its own decisions (missing files, duplicates, shard).
 */
import type { ClipRecord, ClipStatus, SourceRecord } from '../types.js';

export interface ClipRow {
  clip_id: string;
  source_id: string;
  source_uri: string;
  source_kind: string;
  status: ClipStatus;
  /** Why the clip was dropped (`<filter>: <value>`, `duplicate`, `missing_file`); null when kept. */
  reason: string | null;
  /** The kept clip this one duplicates; null unless reason is `duplicate`. */
  duplicate_of: string | null;
  start_time: number;
  end_time: number;
  start_frame: number;
  end_frame: number;
  duration: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  bytes: number | null;
  snapped_to_keyframes: boolean | null;
  /** Clip file relative to the output directory (kept clips). */
  file: string | null;
  /** Shard holding the clip, relative to the output directory; null for dropped clips. */
  shard: string | null;
  license: string | null;
  caption: string | null;
  /** Model that wrote the caption; null for a dataset's own caption or none. */
  caption_model: string | null;
  caption_error: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Estimated price of the caption at the configured token rates. */
  caption_cost: number | null;
  category: string | null;
  /** How the category was assigned: `vlm` or `metadata`. */
  category_source: string | null;
  tags: string[] | null;
  /** Unit-length clip embedding from the configured image encoder (a LIST<FLOAT> column). */
  embedding: number[] | null;
  /** Perceptual signature (hex) for near-duplicate search. */
  signature: string | null;
  /** Quality signals by name; each becomes its own index column. */
  signals: Record<string, number>;
  clip_metadata: Record<string, unknown> | null;
  source_width: number | null;
  source_height: number | null;
  source_fps: number | null;
  source_duration: number | null;
  final_uri: string | null;
  retrieved_at: string | null;
  source_bytes: number | null;
  sha256: string | null;
  origin_input: string;
  origin_line: number | null;
  source_metadata: Record<string, unknown> | null;
  /** What the fetcher reported (yt-dlp title, uploader, licence, ...). */
  fetcher_metadata: Record<string, unknown> | null;
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

function clipRow(record: SourceRecord, clip: ClipRecord): ClipRow {
  const video = record.probe?.video;
  const prov = record.provenance;
  return {
    clip_id: clip.clipId,
    source_id: record.id,
    source_uri: record.uri,
    source_kind: record.kind,
    status: clip.status,
    reason: clip.status === 'dropped' ? (clip.reason ?? 'unspecified') : null,
    duplicate_of: null,
    start_time: clip.startTime,
    end_time: clip.endTime,
    start_frame: clip.startFrame,
    end_frame: clip.endFrame,
    duration: clip.duration,
    width: orNull(clip.width),
    height: orNull(clip.height),
    fps: orNull(clip.fps),
    bytes: orNull(clip.bytes),
    snapped_to_keyframes: orNull(clip.snappedToKeyframes),
    file: orNull(clip.file),
    shard: null,
    license: orNull(record.license),
    caption: orNull(clip.caption),
    caption_model: orNull(clip.captionModel),
    caption_error: orNull(clip.captionError),
    prompt_tokens: orNull(clip.captionTokens?.prompt),
    completion_tokens: orNull(clip.captionTokens?.completion),
    caption_cost: orNull(clip.captionTokens?.cost),
    category: orNull(clip.category),
    category_source: orNull(clip.categorySource),
    tags: orNull(clip.tags),
    embedding: orNull(clip.embedding),
    signature: orNull(clip.signature),
    signals: { ...clip.signals },
    clip_metadata: orNull(clip.metadata),
    source_width: orNull(video?.width),
    source_height: orNull(video?.height),
    source_fps: orNull(video?.fps),
    source_duration: orNull(record.probe?.durationSec),
    final_uri: orNull(prov?.finalUri),
    retrieved_at: orNull(prov?.retrievedAt),
    source_bytes: orNull(prov?.bytes),
    sha256: orNull(prov?.sha256),
    origin_input: record.origin.input,
    origin_line: orNull(record.origin.line),
    source_metadata: Object.keys(record.metadata).length > 0 ? record.metadata : null,
    fetcher_metadata: orNull(prov?.fetcherMetadata),
  };
}

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
