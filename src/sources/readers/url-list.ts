/**
 * Streaming reader for a plain URL list: one URL or path per line. Blank lines and lines whose
 * first non-blank character is `#` are skipped; a `#` later in a line is kept, as it may be part
 * of a URL.
 */
import type { RowStream } from '../rows.js';
import { nonBlankLines } from './lines.js';

export async function* readUrlList(file: string): RowStream {
  for await (const item of nonBlankLines(file)) {
    if (!('text' in item)) yield item;
    else if (!item.text.startsWith('#')) yield { line: item.line, uri: item.text };
  }
}
