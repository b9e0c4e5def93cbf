/**
 * The clip schema: every column of a clip's index row, in order, with its Parquet type and how it
 * is read from the source record and the clip. The row type (ClipRow), the rows pack builds, the
 * `.json` shard members and the Parquet columns all derive from this table, so a new column is
 * one entry here. `signals` stands for one DOUBLE column per quality signal (see index-parquet.ts);
 * `FLOAT_LIST` is a Parquet LIST<FLOAT> (the embedding).
 */
import type { ClipRecord, SourceRecord } from '../types.js';

export type ColumnType = 'STRING' | 'DOUBLE' | 'INT32' | 'INT64' | 'BOOLEAN' | 'JSON' | 'FLOAT_LIST' | 'SIGNALS';

interface Column<T> {
  type: ColumnType;
  /** The value of a fresh row; pack fills `duplicate_of` and `shard` itself later. */
  read: (record: SourceRecord, clip: ClipRecord) => T;
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const column = <T>(type: ColumnType, read: (record: SourceRecord, clip: ClipRecord) => T): Column<T> => ({ type, read });
const video = (r: SourceRecord) => r.probe?.video;
/** The clip when kept: what describes a clip (caption model, category, embedding) exists only then. */
const kept = (c: ClipRecord) => (c.status === 'kept' ? c : undefined);

export const CLIP_COLUMNS = {
  clip_id: column('STRING', (_r, c) => c.clipId),
  source_id: column('STRING', (r) => r.id),
  source_uri: column('STRING', (r) => r.uri),
  source_kind: column('STRING', (r): string => r.kind),
  status: column('STRING', (_r, c) => c.status),
  /** Why the clip was dropped (`<filter>: <value>`, `duplicate`, `missing_file`); null when kept. */
  reason: column('STRING', (_r, c): string | null => (c.status === 'dropped' ? (c.reason ?? 'unspecified') : null)),
  /** The kept clip this one duplicates; null unless reason is `duplicate`. */
  duplicate_of: column('STRING', (): string | null => null),
  start_time: column('DOUBLE', (_r, c) => c.startTime),
  end_time: column('DOUBLE', (_r, c) => c.endTime),
  start_frame: column('INT32', (_r, c) => c.startFrame),
  end_frame: column('INT32', (_r, c) => c.endFrame),
  duration: column('DOUBLE', (_r, c) => c.duration),
  width: column('INT32', (_r, c) => orNull(c.width)),
  height: column('INT32', (_r, c) => orNull(c.height)),
  fps: column('DOUBLE', (_r, c) => orNull(c.fps)),
  bytes: column('INT64', (_r, c) => orNull(c.bytes)),
  snapped_to_keyframes: column('BOOLEAN', (_r, c) => orNull(c.snappedToKeyframes)),
  /** Clip file relative to the output directory (kept clips). */
  file: column('STRING', (_r, c) => orNull(c.file)),
  /** Shard holding the clip, relative to the output directory; null for dropped clips. */
  shard: column('STRING', (): string | null => null),
  license: column('STRING', (r) => orNull(r.license)),
  caption: column('STRING', (_r, c) => orNull(c.caption)),
  /** Model that wrote the caption; null for a dataset's own caption or none. */
  caption_model: column('STRING', (_r, c) => orNull(kept(c)?.captionModel)),
  caption_error: column('STRING', (_r, c) => orNull(kept(c)?.captionError)),
  prompt_tokens: column('INT32', (_r, c) => orNull(kept(c)?.captionTokens?.prompt)),
  completion_tokens: column('INT32', (_r, c) => orNull(kept(c)?.captionTokens?.completion)),
  /** Estimated price of the caption at the configured token rates. */
  caption_cost: column('DOUBLE', (_r, c) => orNull(kept(c)?.captionTokens?.cost)),
  category: column('STRING', (_r, c) => orNull(kept(c)?.category)),
  /** How the category was assigned: `vlm` or `metadata`. */
  category_source: column('STRING', (_r, c): string | null => orNull(kept(c)?.categorySource)),
  tags: column('JSON', (_r, c) => orNull(kept(c)?.tags)),
  /** Unit-length clip embedding from the configured image encoder. */
  embedding: column('FLOAT_LIST', (_r, c) => orNull(kept(c)?.embedding)),
  /** Perceptual signature (hex) for near-duplicate search. */
  signature: column('STRING', (_r, c) => orNull(c.signature)),
  /** Quality signals by name; each becomes its own index column. */
  signals: column('SIGNALS', (_r, c): Record<string, number> => ({ ...c.signals })),
  clip_metadata: column('JSON', (_r, c) => orNull(c.metadata)),
  source_width: column('INT32', (r) => orNull(video(r)?.width)),
  source_height: column('INT32', (r) => orNull(video(r)?.height)),
  source_fps: column('DOUBLE', (r) => orNull(video(r)?.fps)),
  source_duration: column('DOUBLE', (r) => orNull(r.probe?.durationSec)),
  final_uri: column('STRING', (r) => orNull(r.provenance?.finalUri)),
  retrieved_at: column('STRING', (r) => orNull(r.provenance?.retrievedAt)),
  source_bytes: column('INT64', (r) => orNull(r.provenance?.bytes)),
  sha256: column('STRING', (r) => orNull(r.provenance?.sha256)),
  origin_input: column('STRING', (r) => r.origin.input),
  origin_line: column('INT32', (r) => orNull(r.origin.line)),
  source_metadata: column('JSON', (r) => (Object.keys(r.metadata).length > 0 ? r.metadata : null)),
  /** What the fetcher reported (yt-dlp title, uploader, licence, ...). */
  fetcher_metadata: column('JSON', (r) => orNull(r.provenance?.fetcherMetadata)),
};

type Columns = typeof CLIP_COLUMNS;

/** One flat row per clip (kept or dropped), as the index stores it. */
export type ClipRow = { -readonly [K in keyof Columns]: ReturnType<Columns[K]['read']> };

export type ColumnName = keyof Columns;

/** The row of one clip of `record`, its fields in column order. */
export function clipRow(record: SourceRecord, clip: ClipRecord): ClipRow {
  const row: Record<string, unknown> = {};
  for (const [name, col] of Object.entries(CLIP_COLUMNS)) row[name] = col.read(record, clip);
  return row as ClipRow;
}

/** Name and type of every column, in order. */
export const CLIP_COLUMN_TYPES: ReadonlyArray<readonly [ColumnName, ColumnType]> =
  Object.entries(CLIP_COLUMNS).map(([name, col]) => [name as ColumnName, col.type]);
