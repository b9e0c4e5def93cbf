/**
 * `pending/<source id>` markers: a source whose record is written but whose rows and clips are
 * in no committed part yet. The per-source task writes the marker before the record, so a record
 * without a committed part always has one; the commit of its part removes it (after the manifest).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MARKERS_DIR } from './part-layout.js';

const markerPath = (outDir: string, sourceId: string): string => path.join(outDir, MARKERS_DIR, sourceId);

export async function markPending(outDir: string, sourceId: string): Promise<void> {
  await fs.mkdir(path.join(outDir, MARKERS_DIR), { recursive: true });
  // Written bytes, not an empty file, so every file system moves its mtime, which the sweep compares with its part's manifest.
  await fs.writeFile(markerPath(outDir, sourceId), `${new Date().toISOString()}\n`);
}

export const clearPending = (outDir: string, sourceId: string): Promise<void> => fs.rm(markerPath(outDir, sourceId), { force: true });

/** Each marked source id (sorted) with the time its marker was last written (ms, the file system's clock). */
export async function pendingMarkerTimes(outDir: string): Promise<[string, number][]> {
  const names = await fs.readdir(path.join(outDir, MARKERS_DIR)).catch(() => [] as string[]);
  const ids = names.filter((n) => /^[A-Za-z0-9_-]+$/.test(n)).sort();
  const times: [string, number][] = [];
  for (const id of ids) {
    const stat = await fs.stat(markerPath(outDir, id)).catch(() => undefined);
    if (stat) times.push([id, stat.mtimeMs]);
  }
  return times;
}
