/**
 * Adopting an output folder of the first layout (one `index.parquet`, `shards/<bucket>/shard-NNNNNN.tar`
 * rewritten by every pack, every kept clip also in `clips/`): every recorded source that no part
 * holds is marked pending, then the old shards and index go, so the sweep that follows commits
 * the sources into parts from their clip files like any other finished source. Markers come
 * first and `index.parquet` goes last, and no part is committed before it is gone, so a crash
 * anywhere is finished by the next sweep without marking any source twice.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { removeShardFiles } from './shards.js';
import { markPending } from './part-markers.js';
import { readSourceRecords } from './records.js';

/** The single index of the first layout. */
const FLAT_INDEX = 'index.parquet';
/** A shard of the first layout, or a temporary one a killed pack left. */
const FLAT_SHARD = /^shard-\d{6}\.tar/;

/** Adopts `outDir` when it is of the first layout; returns the sources marked (0 otherwise). */
export async function adoptFlatLayout(outDir: string, committed: ReadonlySet<string>): Promise<number> {
  const index = path.join(outDir, FLAT_INDEX);
  if (!(await fs.stat(index).then((s) => s.isFile(), () => false))) return 0;
  let marked = 0;
  for await (const record of readSourceRecords(outDir)) {
    if (committed.has(record.id)) continue;
    await markPending(outDir, record.id);
    marked++;
  }
  await removeShardFiles(outDir, (name) => FLAT_SHARD.test(name));
  await fs.rm(index, { force: true });
  return marked;
}
