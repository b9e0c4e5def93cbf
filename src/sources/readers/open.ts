/**
 * Opens a text manifest as a byte stream, decompressing `.gz` files on the fly. The streams are
 * joined with `pipeline`, so a read error or a cut-off gzip member destroys the returned stream
 * with that error (a consumer sees it) instead of being emitted where nobody listens.
 */
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const ignore = (): void => {};

export function openManifest(file: string): Readable {
  const raw = createReadStream(file);
  if (!file.toLowerCase().endsWith('.gz')) return raw;
  return pipeline(raw, createGunzip(), ignore);
}
