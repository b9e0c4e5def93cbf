/** What a manifest reader produces: one row of named fields, or a row that could not be read. */
import type { RowError, Source } from '../types.js';

export interface ManifestRow {
  /** 1-based line of a text manifest, or 1-based row number (Parquet, JSON arrays). */
  line: number;
  fields: Record<string, unknown>;
}

export type RowStream = AsyncGenerator<ManifestRow | RowError>;

export function isRowError(item: Source | ManifestRow | RowError): item is RowError {
  return 'message' in item && !('fields' in item) && !('id' in item);
}
