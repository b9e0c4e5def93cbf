/** The dataset index as takedown and attribution read it: absent until the first pack. */
import path from 'node:path';
import { INDEX_FILE, readIndex, type ClipRow } from '../pack/index.js';

export const indexPath = (outDir: string): string => path.join(outDir, INDEX_FILE);

/** The index rows of `outDir`, or undefined when the dataset has no index yet. */
export async function readIndexIfAny(outDir: string): Promise<ClipRow[] | undefined> {
  try {
    return await readIndex(indexPath(outDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
