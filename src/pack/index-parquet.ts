/**
 * One index Parquet file (a part's `index/parts/<partId>.parquet`, see index-parts.ts): one row
 * per clip, kept and dropped, readable by DuckDB, pyarrow, pandas and
 * Hugging Face `datasets`. Fixed columns come first in a fixed order, then one DOUBLE column per
 * quality signal (the union of signal names, sorted; null where a clip lacks it). A signal whose
 * name collides with a fixed column is stored as `signal_<name>`. The signal columns are also
 * listed in the file's key-value metadata so that `readIndexFile` maps them back exactly, which
 * lets the reduce and `clipmill takedown` read a part, change rows and write it again.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer, schemaFromColumnData, type BasicType, type ColumnSource } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { CLIP_COLUMN_TYPES, type ColumnName, type ColumnType } from '../schema/clip-columns.js';
import type { ClipRow } from './rows.js';
import { writeFileAtomic } from '../store/output.js';

type ListName = 'embedding';
/** Parquet type of each fixed scalar column, in column order (the signals follow as columns of their own). */
const FIXED_COLUMNS = CLIP_COLUMN_TYPES.filter((c) => c[1] !== 'SIGNALS' && c[1] !== 'FLOAT_LIST') as ReadonlyArray<
  readonly [Exclude<ColumnName, 'signals' | ListName>, Exclude<ColumnType, 'SIGNALS' | 'FLOAT_LIST'> & BasicType]
>;
/** LIST<FLOAT> columns: written last, with an explicit schema group each. */
const LIST_COLUMNS = CLIP_COLUMN_TYPES.filter((c) => c[1] === 'FLOAT_LIST').map(([name]) => name as ListName);
const FIXED_NAMES = new Set<string>([...FIXED_COLUMNS.map(([name]) => name), ...LIST_COLUMNS]);
const SIGNALS_KEY = 'clipmill.signal_columns';

const signalColumnName = (signal: string): string => (FIXED_NAMES.has(signal) ? `signal_${signal}` : signal);

/** The signal a column holds, for a column that is not a fixed one (the inverse of signalColumnName). */
export function signalOfColumn(column: string): string | undefined {
  if (FIXED_NAMES.has(column)) return undefined;
  const unprefixed = column.startsWith('signal_') ? column.slice('signal_'.length) : undefined;
  return unprefixed !== undefined && FIXED_NAMES.has(unprefixed) ? unprefixed : column;
}

function signalNames(rows: readonly ClipRow[], more: readonly string[]): string[] {
  const names = new Set<string>(more);
  for (const row of rows) for (const name of Object.keys(row.signals)) names.add(name);
  return [...names].sort();
}

const toParquet = (type: BasicType, value: unknown): unknown =>
  type === 'INT64' && typeof value === 'number' ? BigInt(Math.round(value)) : value;

const fromParquet = (value: unknown): unknown => (typeof value === 'bigint' ? Number(value) : (value ?? null));

/** Encodes rows (in the given order) as a Parquet file. */
function encodeIndex(rows: readonly ClipRow[], moreSignals: readonly string[]): ArrayBuffer {
  const signals = signalNames(rows, moreSignals);
  const columnData: ColumnSource[] = FIXED_COLUMNS.map(([name, type]) => ({
    name,
    type,
    data: rows.map((row) => toParquet(type, row[name])),
  }));
  for (const signal of signals) {
    columnData.push({
      name: signalColumnName(signal),
      type: 'DOUBLE',
      data: rows.map((row) => row.signals[signal] ?? null),
    });
  }
  const mapping = Object.fromEntries(signals.map((s) => [signalColumnName(s), s]));
  // A list column needs its schema spelt out; the scalar columns' schema is derived from their types.
  const schema: SchemaElement[] = schemaFromColumnData({ columnData });
  schema[0].num_children = (schema[0].num_children ?? 0) + LIST_COLUMNS.length;
  const untyped: ColumnSource[] = columnData.map(({ type: _type, ...column }) => column);
  for (const name of LIST_COLUMNS) {
    schema.push(
      { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    );
    untyped.push({ name, data: rows.map((row) => row[name]) });
  }
  return parquetWriteBuffer({
    columnData: untyped,
    schema,
    createdBy: 'clipmill',
    kvMetadata: [{ key: SIGNALS_KEY, value: JSON.stringify(mapping) }],
  });
}

/**
 * Writes an index file atomically (temporary file, then rename), with a column for every signal
 * of `rows` and of `signals` (the reduce passes the dataset's, so that its parts share one schema:
 * DuckDB's `read_parquet` of a glob takes the first file's columns unless `union_by_name`).
 */
export async function writeIndexFile(file: string, rows: readonly ClipRow[], signals: readonly string[] = []): Promise<void> {
  await writeFileAtomic(file, new Uint8Array(encodeIndex(rows, signals)));
}

/** Reads an index back into rows, in file order. */
export async function readIndexFile(file: string): Promise<ClipRow[]> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const stored = metadata.key_value_metadata?.find((kv) => kv.key === SIGNALS_KEY)?.value;
  const signalOf: Record<string, string> = stored ? JSON.parse(stored) : {};
  const objects = await parquetReadObjects({ file: buffer, metadata });
  return objects.map((object) => {
    const row: Record<string, unknown> = { signals: {} };
    for (const [name] of FIXED_COLUMNS) row[name] = fromParquet(object[name]);
    for (const name of LIST_COLUMNS) row[name] = Array.isArray(object[name]) ? object[name] : null;
    const signals = row.signals as Record<string, number>;
    for (const [column, signal] of Object.entries(signalOf)) {
      const value = object[column];
      if (typeof value === 'number') signals[signal] = value;
    }
    return row as unknown as ClipRow;
  });
}
