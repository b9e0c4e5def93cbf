/**
 * Making a part final, or rewriting a final one (takedown): its tars without the members whose
 * rows left or were dropped (only tars holding such members are rewritten, temp + rename; the
 * others are not touched, so their bytes never change), its Parquet rows, and then its manifest
 * with the part's additive tallies (from the records of its sources, its rows and its tars). The
 * manifest is written last: while it is missing or old, running the same step again finishes it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hashFile } from '../fetch/hash.js';
import { rewriteTarWithout } from '../policy/shard-edit.js';
import { OutputDir } from '../store/output.js';
import { writeIndexFile } from './index-parquet.js';
import { partFiles, writeManifest, type PartManifest, type PartState } from './index-parts.js';
import type { ClipRow } from './rows.js';
import { memberKey } from './shards.js';
import { partTallies, shardTotals, SourceTally } from './stats.js';
import type { WrittenShard } from './writer.js';


export interface PartEdit {
  /** Rows as they are to be (without removed rows, verdicts applied). */
  rows: ClipRow[];
  /** Signals to give a column even when no row has them (the dataset's, so every part has one schema). */
  signals?: readonly string[];
  /** Tar path -> clip ids to take out of it. */
  leaving: Map<string, string[]>;
  /** Hash and size every tar again, also those left as they are (a rewrite a crash interrupted may have changed them after the manifest). */
  refresh?: boolean;
}

/**
 * The edit of a part: `rows` as they were (with their tar in `shard`), `gone` the clip ids to
 * remove from the index, and `wasShard` the tar each dropped row had before its verdict.
 */
export function partEdit(rows: readonly ClipRow[], gone: ReadonlySet<string>, wasShard: ReadonlyMap<string, string | null>): PartEdit {
  const leaving = new Map<string, string[]>();
  for (const row of rows) {
    const shard = wasShard.get(row.clip_id) ?? null;
    if (shard === null || (row.status === 'kept' && !gone.has(row.clip_id))) continue;
    leaving.set(shard, [...(leaving.get(shard) ?? []), row.clip_id]);
  }
  return { rows: rows.filter((r) => !gone.has(r.clip_id)), leaving };
}

/** A tar without the given clips: its new entry, or undefined when nothing is left (deleted). */
async function rewriteShard(outDir: string, shard: WrittenShard, clipIds: readonly string[], rows: readonly ClipRow[]): Promise<WrittenShard | undefined> {
  const file = path.join(outDir, shard.path);
  const present = await fs.stat(file).then(() => true, () => false);
  // A rerun after a crash may find the tar already emptied and deleted.
  // Nothing to take out (a refresh): the tar is only hashed again, never rewritten.
  if (!present || (clipIds.length > 0 && (await rewriteTarWithout(file, new Set(clipIds.map(memberKey)))) === 0)) {
    await fs.rmdir(path.dirname(file)).catch(() => {}); // the bucket folder, when it is now empty
    return undefined;
  }
  const [{ sha256 }, stat] = await Promise.all([hashFile(file), fs.stat(file)]);
  const clips = rows.filter((r) => r.status === 'kept' && r.shard === shard.path).length;
  return { ...shard, clips, bytes: stat.size, sha256 };
}

/** The tallies of a part's sources as their records are now. */
async function sourceTally(outDir: string, sourceIds: readonly string[]): Promise<SourceTally> {
  const out = new OutputDir(outDir);
  const tally = new SourceTally();
  for (const id of sourceIds) {
    const record = await out.readRecord(id);
    if (record) tally.add(record);
  }
  return tally;
}

/**
 * Applies `edit` to the part of `manifest` and writes it in `state` (final, from the reduce;
 * either, from a takedown). Returns its new manifest and the tars deleted because nothing was left.
 */
export async function writePart(
  outDir: string,
  manifest: Pick<PartManifest, 'part' | 'sources' | 'shards'>,
  edit: PartEdit,
  state: PartState = 'final',
): Promise<{ manifest: PartManifest; deleted: string[] }> {
  const shards: WrittenShard[] = [];
  const deleted: string[] = [];
  for (const shard of manifest.shards) {
    const leaving = edit.leaving.get(shard.path) ?? (edit.refresh ? [] : undefined);
    if (!leaving) {
      shards.push(shard);
      continue;
    }
    const rewritten = await rewriteShard(outDir, shard, leaving, edit.rows);
    if (rewritten) shards.push(rewritten);
    else deleted.push(shard.path);
  }
  await writeIndexFile(partFiles(outDir, manifest.part, state).parquet, edit.rows, edit.signals);
  const stats = partTallies(await sourceTally(outDir, manifest.sources), edit.rows, shardTotals(shards));
  const final: PartManifest = { version: 1, part: manifest.part, sources: [...manifest.sources], shards, stats };
  await writeManifest(outDir, final, state);
  return { manifest: final, deleted };
}
