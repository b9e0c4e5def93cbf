/** The non-blank lines of a text manifest, streamed with their 1-based line numbers. */
import { createInterface } from 'node:readline';
import { openManifest } from './open.js';

export interface NumberedLine {
  line: number;
  /** The line without surrounding whitespace (and without a byte-order mark on line 1). */
  text: string;
}

export async function* nonBlankLines(file: string): AsyncGenerator<NumberedLine> {
  const lines = createInterface({ input: openManifest(file), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    const text = (line === 1 ? raw.replace(/^\ufeff/, '') : raw).trim();
    if (text !== '') yield { line, text };
  }
}
