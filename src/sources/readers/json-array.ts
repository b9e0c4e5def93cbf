/**
 * Streaming reader for a manifest that is one JSON array of objects (rows of fields) or strings
 * (bare URLs or paths), which may be mixed. A small scanner splits the text into top-level
 * elements (tracking strings and nesting) so that each element is parsed on its own and memory
 * holds one element at a time. Rows are numbered by element (1-based).
 * An element with unbalanced brackets cannot be delimited: it swallows the rest of the array and
 * is reported once at the end.
 */
import { FatalError } from '../../errors.js';
import type { RowError } from '../../types.js';
import { MAX_ROW_BYTES, rowTooLong } from '../limits.js';
import type { ManifestRow, RowStream } from '../rows.js';
import { openManifest } from './open.js';
import { rowOrError } from './json-value.js';

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\ufeff']);

export async function* readJsonArray(file: string): RowStream {
  const stream = openManifest(file);
  stream.setEncoding('utf8');
  let state: 'before' | 'between' | 'element' | 'after' = 'before';
  let element = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let row = 0;
  // An element longer than MAX_ROW_BYTES is scanned to its end but not kept.
  let oversized = false;
  const append = (text: string): void => {
    if (oversized) return;
    element += text;
    if (element.length > MAX_ROW_BYTES) {
      oversized = true;
      element = '';
    }
  };
  const parsed = (): ManifestRow | RowError => (oversized ? { input: file, line: row, message: rowTooLong(`element ${row}`) } : rowOrError(element, file, row));
  for await (const chunk of stream as AsyncIterable<string>) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          if (depth === 0) {
            // The array's closing bracket ends the last element.
            append(chunk.slice(start, i));
            yield parsed();
            state = 'after';
          } else depth--;
        } else if (c === ',' && depth === 0) {
          append(chunk.slice(start, i));
          yield parsed();
          state = 'between';
        }
        continue;
      }
      if (WHITESPACE.has(c)) continue;
      if (state === 'before') {
        if (c !== '[') throw new FatalError(`${file}: a .json manifest must be a JSON array of objects or URL strings (use .jsonl for one object per line)`);
        state = 'between';
      } else if (state === 'between') {
        if (c === ']') state = 'after';
        else if (c !== ',') {
          state = 'element';
          row += 1;
          element = '';
          oversized = false;
          start = i;
          depth = 0;
          inString = false;
          i--; // rescan this character as part of the element
        }
      }
    }
    if (state === 'element') append(chunk.slice(start));
  }
  if (state === 'element') yield { input: file, line: row, message: 'unterminated JSON element (unbalanced brackets or quotes); the rest of the array was skipped' };
  else if (state === 'before') throw new FatalError(`${file}: empty file, expected a JSON array`);
}
