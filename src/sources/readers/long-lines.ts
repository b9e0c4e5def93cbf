/**
 * Keeps over-long lines of a text manifest out of memory: each line is passed on whole once its
 * newline arrives, and a line longer than MAX_ROW_BYTES is dropped and replaced by LONG_LINE, so
 * that readers report it as a bad row (with its line number) and go on with the next one.
 */
import { Transform } from 'node:stream';
import { MAX_ROW_BYTES } from '../limits.js';

/** What an over-long line becomes; no real manifest line holds NUL characters. */
export const LONG_LINE = '\u0000clipmill: line too long\u0000';

const NEWLINE = 0x0a;

export function capLongLines(): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  let overlong = false;
  const take = (piece: Buffer): void => {
    if (overlong || piece.length === 0) return;
    length += piece.length;
    if (length > MAX_ROW_BYTES) {
      overlong = true;
      parts = [];
    } else parts.push(piece);
  };
  const flushLine = (): Buffer => {
    const line = overlong ? Buffer.from(`${LONG_LINE}\n`) : Buffer.concat(parts);
    parts = [];
    length = 0;
    overlong = false;
    return line;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const out: Buffer[] = [];
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; start = end + 1, end = chunk.indexOf(NEWLINE, start)) {
        take(chunk.subarray(start, end + 1));
        out.push(flushLine());
      }
      take(chunk.subarray(start));
      done(null, out.length > 0 ? Buffer.concat(out) : undefined);
    },
    flush(done) {
      done(null, length > 0 || overlong ? flushLine() : undefined);
    },
  });
}
