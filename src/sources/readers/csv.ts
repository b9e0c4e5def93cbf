/**
 * Streaming CSV/TSV reader on csv-parse. The first record is the header; each later record
 * becomes a row keyed by it. Line numbers are counted here from the raw text of each record,
 * because csv-parse's own line count is unreliable with CRLF files.
 */
import { pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import type { RowError } from '../../types.js';
import type { RowStream } from '../rows.js';
import { rowTooLong } from '../limits.js';
import { capLongLines, LONG_LINE } from './long-lines.js';
import { openManifest } from './open.js';

/** Line breaks in `text`: CRLF counts once, as do lone CR or LF. */
function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

/** Blank lines csv-parse skipped before a record show up at the start of its raw text. */
function leadingLineBreaks(text: string): number {
  const m = /^[\r\n]*/.exec(text);
  return m ? countLineBreaks(m[0]) : 0;
}

interface ParsedRecord {
  record: string[];
  raw: string;
}

export async function* readDelimited(file: string, delimiter: ',' | '\t'): RowStream {
  const skipped: CsvError[] = [];
  // pipeline, not pipe: a read or gunzip error must reach the parser's iterator.
  const parser = pipeline(
    openManifest(file),
    capLongLines(),
    parse({
      delimiter,
      bom: true,
      raw: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err) skipped.push(err);
        return undefined;
      },
    }),
    () => {},
  );
  let header: string[] | undefined;
  let consumedLines = 0;
  const skippedErrors = function* (): Generator<RowError> {
    // An unclosed quote swallows the rest of the file: report where that record starts.
    for (const err of skipped.splice(0)) yield { input: file, line: consumedLines + 1, message: `unreadable CSV record: ${err.message}` };
  };
  for await (const { record, raw } of parser as AsyncIterable<ParsedRecord>) {
    const line = consumedLines + 1 + leadingLineBreaks(raw);
    consumedLines += countLineBreaks(raw);
    yield* skippedErrors();
    if (raw.includes(LONG_LINE)) {
      yield { input: file, line, message: rowTooLong(`the record at line ${line}`) };
      continue;
    }
    if (header === undefined) {
      header = record.map((name) => name.trim());
      continue;
    }
    if (record.length !== header.length) {
      yield { input: file, line, message: `expected ${header.length} columns, found ${record.length}` };
      continue;
    }
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) fields[header[i]!] = record[i];
    yield { line, fields };
  }
  yield* skippedErrors();
}
