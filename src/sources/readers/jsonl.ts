/** Streaming JSON Lines reader: one object (or URL string) per line; blank lines are skipped. */
import type { RowStream } from '../rows.js';
import { rowOrError } from './json-value.js';
import { nonBlankLines } from './lines.js';

export async function* readJsonLines(file: string): RowStream {
  for await (const item of nonBlankLines(file)) yield 'text' in item ? rowOrError(item.text, file, item.line) : item;
}
