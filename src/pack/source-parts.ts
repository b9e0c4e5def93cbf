/**
 * Which final part holds each source: `index/source-parts/<id[0:2]>.json`, an object source id ->
 * part id, sharded by the id's first two characters so that the reduce reads and writes only the
 * shards of the sources it finalises, never the whole dataset. A source done twice (redone after
 * a transient failure, or by two workers after a lost queue lock) lands in two parts; the reduce
 * looks its pending sources up here to find the older final copy and take it out.
 * Written after a part is final (idempotent, so the reduce writes it again after a crash).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../store/output.js';
import { INDEX_DIR } from './index-parts.js';

export const SOURCE_PARTS_DIR = path.posix.join(INDEX_DIR, 'source-parts');

const shardOf = (id: string) => id.slice(0, 2).replace(/[^0-9A-Za-z_-]/g, '_').padEnd(2, '_');
const shardFile = (outDir: string, shard: string) => path.join(outDir, SOURCE_PARTS_DIR, `${shard}.json`);

async function readShard(outDir: string, shard: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(await fs.readFile(shardFile(outDir, shard), 'utf8')) as Record<string, string>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}

const byShard = (ids: Iterable<string>): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  for (const id of ids) out.set(shardOf(id), [...(out.get(shardOf(id)) ?? []), id]);
  return out;
};

/** The final part recorded for each of `sourceIds` that has one. */
export async function finalPartsOf(outDir: string, sourceIds: Iterable<string>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const [shard, ids] of byShard(sourceIds)) {
    const held = await readShard(outDir, shard);
    for (const id of ids) if (Object.hasOwn(held, id)) found.set(id, held[id]);
  }
  return found;
}

/** Records `partId` as the final part of each of `sourceIds`. */
export async function recordFinalPart(outDir: string, partId: string, sourceIds: readonly string[]): Promise<void> {
  for (const [shard, ids] of byShard(sourceIds)) {
    const held = await readShard(outDir, shard);
    if (ids.every((id) => held[id] === partId)) continue;
    for (const id of ids) held[id] = partId;
    await fs.mkdir(path.join(outDir, SOURCE_PARTS_DIR), { recursive: true });
    await writeJsonAtomic(shardFile(outDir, shard), held);
  }
}
