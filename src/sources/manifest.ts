/**
 * Reads one manifest file into sources: its rows (any format) are mapped either by a dataset
 * preset or by the generic rule (a URL column, the other columns as metadata); a bare URL (a line
 * of a URL list, a string in a JSON manifest) becomes a source without metadata. Rows that cannot
 * become a source are yielded as RowErrors and reading goes on.
 */
import path from 'node:path';
import { FatalError } from '../errors.js';
import type { RowError, Source } from '../types.js';
import { LICENSE_RAW, licenseColumnOf, requireColumns, urlColumnOf } from './columns.js';
import { canonicalUri, sourceId, sourceKind } from './ids.js';
import { fieldsProblem } from './limits.js';
import type { Preset, SourceDraft } from './presets/index.js';
import { readDelimited } from './readers/csv.js';
import { readJsonArray } from './readers/json-array.js';
import { readJsonLines } from './readers/jsonl.js';
import { readParquet } from './readers/parquet.js';
import { readUrlList } from './readers/url-list.js';
import { isRowError, type ManifestRow, type RowStream } from './rows.js';

export type ManifestFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet' | 'urls';

const FORMAT_BY_EXTENSION: Record<string, ManifestFormat> = {
  csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl', json: 'json', parquet: 'parquet',
  txt: 'urls', urls: 'urls', list: 'urls',
};

/** The manifest format a file name announces (text formats may be gzipped), else undefined. */
export function manifestFormat(file: string): ManifestFormat | undefined {
  const name = file.toLowerCase();
  const inner = name.endsWith('.gz') ? name.slice(0, -3) : name;
  const format = FORMAT_BY_EXTENSION[path.extname(inner).slice(1)];
  return format === 'parquet' && inner !== name ? undefined : format;
}

function rowsOf(file: string, format: ManifestFormat): RowStream {
  switch (format) {
    case 'csv': return readDelimited(file, ',');
    case 'tsv': return readDelimited(file, '\t');
    case 'jsonl': return readJsonLines(file);
    case 'json': return readJsonArray(file);
    case 'parquet': return readParquet(file);
    case 'urls': return readUrlList(file);
  }
}

/**
 * The rows of one manifest. A file that cannot be read on (an I/O error, a cut-off `.gz`) ends
 * with a RowError naming the last line read, so that input stops and the run goes on; a
 * FatalError (a file that is not a manifest of its format) still ends the run.
 */
async function* readManifestRows(file: string, format: ManifestFormat, input: string): RowStream {
  let lastLine = 0;
  try {
    for await (const row of rowsOf(file, format)) {
      lastLine = row.line ?? lastLine;
      yield row;
    }
  } catch (err) {
    if (err instanceof FatalError) throw err;
    const after = lastLine > 0 ? `after line ${lastLine}` : 'before its first line';
    yield { input, line: lastLine, message: `reading ${path.basename(input)} stopped ${after}: ${(err as Error).message}` };
  }
}

export interface ManifestOptions {
  urlColumn?: string;
  licenseColumn?: string;
  preset?: Preset;
  /**
   * Where a manifest read from a local copy really lives (one fetched from S3): the name its
   * sources and errors report, and the folder its relative rows resolve against.
   */
  location?: { input: string; baseDir: string };
}

type RowMapper = (fields: Record<string, unknown>) => SourceDraft;

/** Decides, from the first row's columns, how every row of this manifest becomes a draft. */
function mapperFor(file: string, keys: string[], opts: ManifestOptions): RowMapper {
  const licenseColumn = licenseColumnOf(file, keys, opts.licenseColumn);
  const withLicense = (draft: SourceDraft, fields: Record<string, unknown>): SourceDraft => {
    const raw = licenseColumn === undefined ? undefined : fields[licenseColumn];
    if (raw === undefined || raw === null || raw === '') return draft;
    return { ...draft, metadata: { ...draft.metadata, [LICENSE_RAW]: raw } };
  };
  const { preset } = opts;
  if (preset) {
    requireColumns(file, keys, preset.columns, `preset ${preset.name}`);
    return (fields) => withLicense(preset.toDraft(fields), fields);
  }
  const urlColumn = urlColumnOf(file, keys, opts.urlColumn);
  return (fields) => {
    const uri = fields[urlColumn];
    if (typeof uri !== 'string' || uri.trim() === '') throw new Error(`missing URL in column "${urlColumn}"`);
    const { [urlColumn]: _url, ...metadata } = fields;
    return withLicense({ uri, metadata }, fields);
  };
}

function toSource(draft: SourceDraft, input: string, baseDir: string, line: number): Source {
  const uri = canonicalUri(draft.uri, baseDir);
  const source: Source = {
    id: sourceId(uri),
    uri,
    kind: sourceKind(uri, { webPages: draft.webPage }),
    metadata: draft.metadata,
    origin: { input, line },
  };
  if (draft.spans) source.spans = draft.spans;
  return source;
}

/** A bare URL has no columns: a preset, which reads named columns, cannot map it. */
function bareDraft(uri: string, file: string, preset: Preset | undefined): SourceDraft {
  if (preset) throw new FatalError(`${file}: preset ${preset.name} reads the columns ${preset.columns.join(', ')}, but this manifest lists bare URLs`);
  return { uri, metadata: {} };
}

function rowSource(row: ManifestRow, draftOf: (row: ManifestRow) => SourceDraft, input: string, baseDir: string): Source | RowError {
  const problem = 'fields' in row ? fieldsProblem(row.fields) : undefined;
  if (problem) return { input, line: row.line, message: problem };
  try {
    return toSource(draftOf(row), input, baseDir, row.line);
  } catch (err) {
    if (err instanceof FatalError) throw err;
    return { input, line: row.line, message: (err as Error).message };
  }
}

/**
 * Sources of one manifest, in file order. Consecutive rows of the same video that carry spans
 * (one clip per row, as InternVid and Kinetics publish them) are merged into one source.
 */
export async function* readManifest(file: string, format: ManifestFormat, opts: ManifestOptions = {}): AsyncGenerator<Source | RowError> {
  const input = opts.location?.input ?? file;
  const baseDir = opts.location?.baseDir ?? path.dirname(path.resolve(file));
  let map: RowMapper | undefined;
  const draftOf = (row: ManifestRow): SourceDraft => {
    if ('uri' in row) return bareDraft(row.uri, input, opts.preset);
    map ??= mapperFor(input, Object.keys(row.fields), opts);
    return map(row.fields);
  };
  let pending: Source | undefined;
  for await (const row of readManifestRows(file, format, input)) {
    if (isRowError(row)) {
      yield row;
      continue;
    }
    const item = rowSource(row, draftOf, input, baseDir);
    if (isRowError(item)) {
      yield item; // a bad row does not break a group of consecutive rows
      continue;
    }
    if (item.spans && pending?.id === item.id) {
      pending.spans!.push(...item.spans);
      continue;
    }
    if (pending) yield pending;
    pending = undefined;
    if (item.spans) pending = item;
    else yield item;
  }
  if (pending) yield pending;
}
