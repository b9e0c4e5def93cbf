/**
 * The non-blank lines of a text manifest, streamed with their 1-based line numbers; a line too
 * long to hold (see long-lines.ts) is a RowError.
 */
import { pipeline } from 'node:stream';
import { createInterface } from 'node:readline';
import type { RowError } from '../../types.js';
import { rowTooLong } from '../limits.js';
import { capLongLines, LONG_LINE } from './long-lines.js';
import { openManifest } from './open.js';

export interface NumberedLine {
  line: number;
  /** The line without surrounding whitespace (and without a byte-order mark on line 1). */
  text: string;
}

export async function* nonBlankLines(file: string): AsyncGenerator<NumberedLine | RowError> {
  const input = pipeline(openManifest(file), capLongLines(), () => {});
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    if (raw === LONG_LINE) {
      yield { input: file, line, message: rowTooLong(`line ${line}`) };
      continue;
    }
    const text = (line === 1 ? raw.replace(/^\ufeff/, '') : raw).trim();
    if (text !== '') yield { line, text };
  }
}
