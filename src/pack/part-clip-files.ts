/**
 * The check a part's commit makes before writing its tars: every kept row's clip file must exist
 * and lie inside its source's own clip folder (records are files anyone with write access may
 * edit; a path elsewhere is never read). Rows that fail are dropped as `missing_file` or
 * `outside_clip_folder` and stay in the part's index, out of its tars.
 */
import { promises as fs } from 'node:fs';
import type { OutputDir } from '../store/output.js';
import { dropRow, type ClipRow } from './rows.js';
import type { ShardInput } from './writer.js';

export const MISSING_FILE = 'missing_file';
export const OUTSIDE_CLIP_FOLDER = 'outside_clip_folder';
/** Clip files checked at once; bounded so a large part does not open a handle per clip. */
const STAT_BATCH = 64;

async function fileSize(file: string): Promise<number | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat?.isFile() ? stat.size : undefined;
}

/** The size of a kept row's clip file; OUTSIDE_CLIP_FOLDER when its path leaves the source's clip folder. */
async function clipFileSize(out: OutputDir, row: ClipRow): Promise<number | typeof OUTSIDE_CLIP_FOLDER | undefined> {
  if (!row.file) return undefined;
  const file = await out.clipFile(row.source_id, row.file);
  return file === undefined ? OUTSIDE_CLIP_FOLDER : fileSize(file);
}

/** The kept rows (in the order given) that have their clip file, with its size; the others are dropped. */
export async function checkClipFiles(out: OutputDir, rows: readonly ClipRow[]): Promise<{ inputs: ShardInput[]; missing: string[]; outside: string[] }> {
  const kept = rows.filter((row) => row.status === 'kept');
  const inputs: ShardInput[] = [];
  const missing: string[] = [];
  const outside: string[] = [];
  for (let i = 0; i < kept.length; i += STAT_BATCH) {
    const batch = kept.slice(i, i + STAT_BATCH);
    const sizes = await Promise.all(batch.map((row) => clipFileSize(out, row)));
    batch.forEach((row, j) => {
      const fileBytes = sizes[j];
      if (fileBytes === OUTSIDE_CLIP_FOLDER) {
        dropRow(row, OUTSIDE_CLIP_FOLDER);
        outside.push(row.clip_id);
      } else if (fileBytes === undefined) {
        dropRow(row, MISSING_FILE);
        missing.push(row.clip_id);
      } else inputs.push({ row, fileBytes });
    });
  }
  return { inputs, missing, outside };
}
