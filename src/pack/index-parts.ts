/**
 * The index of an output folder (layout v2): one Parquet file and one manifest per part.
 *
 * - `index/pending/<partId>.parquet` + `.json`: a part committed where its clips were made, not yet
 *   reduced (no cross-source verdicts yet). The manifest is the commit point: a part without it
 *   does not exist.
 * - `index/parts/<partId>.parquet` + `.json`: a final part, verdicts applied. Together the final
 *   Parquet files ARE the index: `read_parquet('<out>/index/parts/*.parquet', union_by_name=true)` in DuckDB, a folder
 *   of Parquet for pyarrow and Hugging Face `datasets`.
 *
 * Readers stream the final parts one at a time (`readIndexRows`), so memory stays that of a part.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../store/output.js';
import { readIndexFile } from './index-parquet.js';
import type { ClipRow } from './rows.js';
import type { PartTallies } from './stats.js';
import type { WrittenShard } from './writer.js';

export const INDEX_DIR = 'index';
export const FINAL_PARTS_DIR = path.posix.join(INDEX_DIR, 'parts');
export const PENDING_PARTS_DIR = path.posix.join(INDEX_DIR, 'pending');
/** The glob that reads the whole index (DuckDB, datasets, the dataset card). */
export const INDEX_GLOB = `${FINAL_PARTS_DIR}/*.parquet`;

export type PartState = 'pending' | 'final';

/** `<part>.json`: what a part holds. */
export interface PartManifest {
  version: 1;
  part: string;
  /** Ids of the sources whose rows (kept and dropped) this part holds. */
  sources: string[];
  /** The tars of its kept clips (`shards/<bucket>/<partId>-<k>.tar`). */
  shards: WrittenShard[];
  /**
   * Additive figures of the part (stats.ts): as committed for a pending part, of its final rows
   * for a final one (those the dataset totals sum).
   */
  stats: PartTallies;
}

const MANIFEST = '.json';
const PARQUET = '.parquet';
/** partIds are plain names (see part-id.ts); anything else under index/ is not a part. */
const PART_ID = /^[0-9A-Za-z_-]+$/;

const partsDir = (outDir: string, state: PartState): string =>
  path.join(outDir, state === 'final' ? FINAL_PARTS_DIR : PENDING_PARTS_DIR);

/** Absolute paths of a part's two files. */
export function partFiles(outDir: string, partId: string, state: PartState): { parquet: string; manifest: string } {
  const dir = partsDir(outDir, state);
  return { parquet: path.join(dir, `${partId}${PARQUET}`), manifest: path.join(dir, `${partId}${MANIFEST}`) };
}

/** Ids of the parts in `state` that have their manifest, sorted (part ids sort by commit time). */
export async function listParts(outDir: string, state: PartState): Promise<string[]> {
  const names = await fs.readdir(partsDir(outDir, state)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => n.endsWith(MANIFEST) && PART_ID.test(n.slice(0, -MANIFEST.length)))
    .map((n) => n.slice(0, -MANIFEST.length))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A part's manifest, or undefined when the part is not in `state`. */
export async function readManifest(outDir: string, partId: string, state: PartState): Promise<PartManifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(partFiles(outDir, partId, state).manifest, 'utf8')) as PartManifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export const writeManifest = (outDir: string, manifest: PartManifest, state: PartState): Promise<void> =>
  writeJsonAtomic(partFiles(outDir, manifest.part, state).manifest, manifest);

/** The rows of one part, in file order. */
export const readPartRows = (outDir: string, partId: string, state: PartState): Promise<ClipRow[]> =>
  readIndexFile(partFiles(outDir, partId, state).parquet);

/** The manifests of the parts in `state`, in part order, one at a time. */
export async function* readManifests(outDir: string, state: PartState): AsyncGenerator<PartManifest> {
  for (const id of await listParts(outDir, state)) {
    const manifest = await readManifest(outDir, id, state);
    if (manifest) yield manifest;
  }
}

/** Every row of the index (the final parts), part by part: memory is that of one part. */
export async function* readIndexRows(outDir: string): AsyncGenerator<ClipRow> {
  for (const id of await listParts(outDir, 'final')) yield* await readPartRows(outDir, id, 'final');
}

/** The whole index at once, for small datasets and tests; undefined when nothing was reduced yet. */
export async function readIndex(outDir: string): Promise<ClipRow[] | undefined> {
  if ((await listParts(outDir, 'final')).length === 0) return undefined;
  const rows: ClipRow[] = [];
  for await (const row of readIndexRows(outDir)) rows.push(row);
  return rows;
}
