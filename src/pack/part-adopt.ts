/**
 * Adopting an output folder of the first layout (one `index.parquet`, `shards/<bucket>/shard-NNNNNN.tar`
 * rewritten by every pack, every kept clip also in `clips/`): every recorded source that no part
 * holds is marked pending, the sweep commits them into parts from their clip files like any other
 * finished source, and only then do the old shards and `index.parquet` go (`finish`, index last).
 * A crash anywhere is finished by the next sweep without marking any committed source again.
 * A folder whose clips/ lacks clips the old shards hold (pruned by hand) is refused before
 * anything changes: adopting it would lose them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FatalError } from '../errors.js';
import { OutputDir } from '../store/output.js';
import { readIndexFile } from './index-parquet.js';
import { checkClipFiles } from './part-clip-files.js';
import { markPending } from './part-markers.js';
import { readSourceRecords } from './records.js';
import { clipRows } from './rows.js';
import { removeShardFiles } from './shards.js';

/** The single index of the first layout. */
const FLAT_INDEX = 'index.parquet';
/** A shard of the first layout, or a temporary one a killed pack left. */
const FLAT_SHARD = /^shard-\d{6}\.tar/;
/** Lost clips named in the refusal. */
const NAMED = 5;

export interface Adoption {
  /** Sources marked to be committed into parts. */
  marked: number;
  /** Removes the old shards, then index.parquet: once the marked sources are committed. */
  finish(): Promise<void>;
}

/** Adopts `outDir` when it is of the first layout (see above); undefined when it is not. */
export async function adoptFlatLayout(outDir: string, committed: ReadonlySet<string>): Promise<Adoption | undefined> {
  const index = path.join(outDir, FLAT_INDEX);
  if (!(await fs.stat(index).then((s) => s.isFile(), () => false))) return undefined;
  // An old index that cannot be read says nothing: every kept clip of a record counts as in the old shards.
  const oldRows = await readIndexFile(index).catch(() => undefined);
  const keptOld = oldRows && new Set(oldRows.filter((row) => row.status === 'kept').map((row) => row.clip_id));
  const inOldShards = (clipId: string): boolean => !keptOld || keptOld.has(clipId);
  const out = new OutputDir(outDir);
  const toMark: string[] = [];
  const lost: string[] = [];
  for await (const record of readSourceRecords(outDir)) {
    if (committed.has(record.id)) continue;
    toMark.push(record.id);
    const { missing } = await checkClipFiles(out, clipRows(record));
    lost.push(...missing.filter(inOldShards));
  }
  if (lost.length > 0) {
    throw new FatalError(
      `${outDir} is a dataset of the first layout (one index.parquet) whose clips/ folder lacks ${lost.length} kept clips its old shards hold ` +
        `(${lost.slice(0, NAMED).join(', ')}${lost.length > NAMED ? ', ...' : ''}); moving it to the parts layout would lose them. ` +
        'Nothing was changed: put those clip files back under clips/<source id>/ (they are members of the shards/*/shard-*.tar files) and run again.',
    );
  }
  for (const id of toMark) await markPending(outDir, id);
  return {
    marked: toMark.length,
    async finish() {
      await removeShardFiles(outDir, (name) => FLAT_SHARD.test(name));
      await fs.rm(index, { force: true });
    },
  };
}
