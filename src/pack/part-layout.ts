/**
 * What a part's writer adds to the index layout of index-parts.ts: the names of a part's tars
 * (`shards/<bucket>/<partId>-<k>.tar`), the source markers, and the part's journal.
 * `index/pending/<partId>.writing` is written before any file of the part and removed after its
 * manifest, so the files of a part whose writer died before the manifest are found (and removed)
 * without listing the whole dataset.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PENDING_PARTS_DIR } from './index-parts.js';

/** `pending/<source id>`: the source finished (record written) but is in no committed part yet. */
export const MARKERS_DIR = 'pending';

const JOURNAL = '.writing';
/** `<UTC yyyymmddThhmmss>-<8 hex>-<6 digits>` (see part-id.ts). */
const PART_ID_SOURCE = String.raw`\d{8}T\d{6}-[0-9a-f]{8}-\d{6}`;
const PART_ID = new RegExp(`^${PART_ID_SOURCE}$`);
/** A finished tar of a part, or a temporary one its writer left (`.<pid>.<hex>.tmp`). */
const PART_SHARD = new RegExp(`^(${PART_ID_SOURCE})-\\d+\\.tar`);

/** The file name of tar `k` of a part, in `shards/<bucket>/`. */
export const partShardName = (partId: string, k: number): string => `${partId}-${k}.tar`;

/** The part a file under `shards/<bucket>/` belongs to (finished tar or temporary one), if it is a part's. */
export const partOfShardFile = (name: string): string | undefined => PART_SHARD.exec(name)?.[1];

const journalPath = (outDir: string, partId: string): string => path.join(outDir, PENDING_PARTS_DIR, `${partId}${JOURNAL}`);

export async function writeJournal(outDir: string, partId: string): Promise<void> {
  await fs.mkdir(path.join(outDir, PENDING_PARTS_DIR), { recursive: true });
  await fs.writeFile(journalPath(outDir, partId), '');
}

export const hasJournal = (outDir: string, partId: string): Promise<boolean> => fs.stat(journalPath(outDir, partId)).then(() => true, () => false);

export const removeJournal = (outDir: string, partId: string): Promise<void> => fs.rm(journalPath(outDir, partId), { force: true });

/** Parts started by a writer (journal present) and not finished by it or by the sweep, sorted. */
export async function startedParts(outDir: string): Promise<string[]> {
  const names = await fs.readdir(path.join(outDir, PENDING_PARTS_DIR)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(JOURNAL) && PART_ID.test(n.slice(0, -JOURNAL.length))).map((n) => n.slice(0, -JOURNAL.length)).sort();
}
