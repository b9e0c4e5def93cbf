/** Streaming JSON Lines reader: one object per line; blank lines are skipped. */
import { createInterface } from 'node:readline';
import type { RowStream } from '../rows.js';
import { openManifest } from './open.js';
import { objectOrError } from './json-value.js';

export async function* readJsonLines(file: string): RowStream {
  const lines = createInterface({ input: openManifest(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    yield objectOrError(text, file, line);
  }
}
