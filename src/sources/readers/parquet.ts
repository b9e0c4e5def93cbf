/**
 * Parquet reader on hyparquet: the footer is read first, then one row group at a time, so memory
 * holds a single row group. Rows are numbered from 1. 64-bit integers become numbers when they
 * fit exactly, else decimal strings, so that metadata stays JSON-serialisable.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { RowStream } from '../rows.js';

function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}

export async function* readParquet(file: string): RowStream {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });
    for (let i = 0; i < rows.length; i++) {
      const fields: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(rows[i]!)) fields[key] = plainValue(value);
      yield { line: rowStart + i + 1, fields };
    }
    rowStart = rowEnd;
  }
}
