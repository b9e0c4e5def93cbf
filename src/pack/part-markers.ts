/**
 * `pending/<source id>` markers: a source whose record is written but whose rows and clips are
 * in no committed part yet. The per-source task writes the marker before the record, so a record
 * without a committed part always has one; the commit of its part removes it (after the manifest).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MARKERS_DIR } from './part-layout.js';
import { SAFE_ID } from '../store/record-store.js';

/**
 * A source id is a plain file name (the record store's SAFE_ID): it names the marker, the record and
 * the clip folder, so an id like "../x" would lead a commit's deletes out of the output folder.
 */
export const isSafeSourceId = (id: unknown): id is string => typeof id === 'string' && SAFE_ID.test(id);

/** Refuses an id that is not a plain file name, before anything is deleted under it. */
export function assertSafeSourceId(id: string): void {
  if (!isSafeSourceId(id)) throw new Error(`refusing source id ${JSON.stringify(id)}: not a plain file name`);
}

const markerPath = (outDir: string, sourceId: string): string => path.join(outDir, MARKERS_DIR, sourceId);

export async function markPending(outDir: string, sourceId: string): Promise<void> {
  assertSafeSourceId(sourceId);
  await fs.mkdir(path.join(outDir, MARKERS_DIR), { recursive: true });
  // Written bytes, not an empty file, so every file system moves its mtime, which the sweep compares with its part's manifest.
  await fs.writeFile(markerPath(outDir, sourceId), `${new Date().toISOString()}\n`);
}

export async function clearPending(outDir: string, sourceId: string): Promise<void> {
  assertSafeSourceId(sourceId);
  await fs.rm(markerPath(outDir, sourceId), { force: true });
}

/** Each marked source id (sorted) with the time its marker was last written (ms, the file system's clock). */
export async function pendingMarkerTimes(outDir: string): Promise<[string, number][]> {
  const names = await fs.readdir(path.join(outDir, MARKERS_DIR)).catch(() => [] as string[]);
  const ids = names.filter(isSafeSourceId).sort();
  const times: [string, number][] = [];
  for (const id of ids) {
    const stat = await fs.stat(markerPath(outDir, id)).catch(() => undefined);
    if (stat) times.push([id, stat.mtimeMs]);
  }
  return times;
}
