/** What a manifest reader produces: one row of named fields, a bare URL, or a row that could not be read. */
import type { RowError, Source } from '../types.js';

interface NumberedRow {
  /** 1-based line of a text manifest, or 1-based row number (Parquet, JSON arrays). */
  line: number;
}

/** A row of named columns (CSV, JSONL object, JSON array object, Parquet). */
export interface FieldsRow extends NumberedRow {
  fields: Record<string, unknown>;
}

/** A URL or path with no columns: a line of a URL list, or a string element of a JSON manifest. */
export interface UriRow extends NumberedRow {
  uri: string;
}

export type ManifestRow = FieldsRow | UriRow;

export type RowStream = AsyncGenerator<ManifestRow | RowError>;

export function isRowError(item: Source | ManifestRow | RowError): item is RowError {
  return 'message' in item && !('fields' in item) && !('id' in item);
}
