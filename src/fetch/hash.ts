/** Size and SHA-256 of files, computed by streaming so that large videos never sit in memory. */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface Digest {
  bytes: number;
  sha256: string;
}

/** Feeds a file's bytes into `hash`; resolves to the number of bytes read. */
export async function hashFileInto(hash: Hash, file: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

export async function hashFile(file: string): Promise<Digest> {
  const hash = createHash('sha256');
  const bytes = await hashFileInto(hash, file);
  return { bytes, sha256: hash.digest('hex') };
}
