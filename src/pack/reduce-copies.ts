/**
 * One part per source. A source done twice (redone after a transient failure, or by two workers
 * after a lost queue lock) is committed in two parts; the reduce keeps only the newest copy (the
 * part with the greatest id, ids sort by commit time) and takes the source out of the older part:
 * its rows, its tar members and its entry in the manifest's sources (so the totals count it once).
 * An older pending copy is left out when its part is made final; an older final copy is found
 * through source-parts.ts (no scan of the dataset) and its part rewritten (tars holding the
 * source's samples, rows, manifest), inside the reduce's totals journal.
 */
import { readManifest, readPartRows } from './index-parts.js';
import { partEdit, writePart } from './reduce-part.js';
import { finalPartsOf } from './source-parts.js';

/** Part id -> sources of it held by a newer one. */
export type OlderCopies = Map<string, Set<string>>;

const addCopy = (into: OlderCopies, partId: string, sourceId: string) => into.set(partId, (into.get(partId) ?? new Set()).add(sourceId));

/** Sources each pending part holds that a newer pending part holds too. */
export function olderPendingCopies(parts: readonly { id: string; sources: readonly string[] }[]): OlderCopies {
  const newest = new Map<string, string>();
  const older: OlderCopies = new Map();
  for (const part of [...parts].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    for (const source of part.sources) {
      const previous = newest.get(source);
      if (previous !== undefined && previous !== part.id) addCopy(older, previous, source);
      newest.set(source, part.id);
    }
  }
  return older;
}

/** Final parts holding an older copy of a source of the pending parts (once their own older copies are left out). */
export async function olderFinalCopies(outDir: string, parts: readonly { id: string; sources: readonly string[] }[]): Promise<OlderCopies> {
  const holder = new Map<string, string>();
  for (const part of parts) for (const source of part.sources) if ((holder.get(source) ?? '') < part.id) holder.set(source, part.id);
  const older: OlderCopies = new Map();
  for (const [source, finalPart] of await finalPartsOf(outDir, holder.keys())) {
    if (finalPart !== holder.get(source)) addCopy(older, finalPart, source);
  }
  return older;
}

/** Rewrites final parts without the sources given for each; a part that no longer lists them is left alone. */
export async function pruneFinalCopies(outDir: string, copies: OlderCopies, signals: readonly string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const [partId, sources] of copies) {
    const manifest = await readManifest(outDir, partId, 'final');
    if (!manifest || !manifest.sources.some((id) => sources.has(id))) continue;
    const rows = await readPartRows(outDir, partId, 'final');
    const gone = new Set(rows.filter((r) => sources.has(r.source_id)).map((r) => r.clip_id));
    const wasShard = new Map(rows.map((r) => [r.clip_id, r.shard]));
    const remaining = { ...manifest, sources: manifest.sources.filter((id) => !sources.has(id)) };
    deleted.push(...(await writePart(outDir, remaining, { ...partEdit(rows, gone, wasShard), signals }, 'final')).deleted);
  }
  return deleted;
}
