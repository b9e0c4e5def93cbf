/** A local file is read in place: checked against the allowed roots, measured and hashed, never copied. */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCode, SourceError } from '../errors.js';
import type { FetchResult } from '../types.js';
import { hashFile } from './hash.js';
import type { LocalRoots } from './local-roots.js';

export async function readLocalFile(uri: string, roots: LocalRoots): Promise<FetchResult> {
  const file = await roots.check(uri.startsWith('file:') ? fileURLToPath(uri) : uri);
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      throw new SourceError(ErrorCode.FileNotFound, `The file ${file} does not exist.`);
    }
    throw err;
  });
  if (!info.isFile()) throw new SourceError(ErrorCode.FileNotFound, `${file} is not a regular file.`);
  if (info.size === 0) throw new SourceError(ErrorCode.EmptyFile, `The file ${file} is empty.`);
  const digest = await hashFile(file);
  return {
    path: file,
    bytes: digest.bytes,
    sha256: digest.sha256,
    finalUri: file,
    retrievedAt: new Date().toISOString(),
    headers: {},
  };
}
