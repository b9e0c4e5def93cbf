/**
 * The reduce's verdicts over the rows of the pending parts, in this order: rows of taken-down
 * sources leave the index; near-duplicates (pixel signatures) against the dataset's duplicate
 * index and among the pending clips; semantic duplicates among the pending clips; content-mix
 * balancing of the pending clips, counting the hours the dataset already has. Only pending rows change: a final clip is never dropped.
 */
import type { MixConfig } from './mix.js';
import { balanceMix } from './mix.js';
import { dedupRowOf } from './dedup.js';
import type { DuplicateIndex } from './duplicate-index.js';
import { dropRow, type ClipRow } from './rows.js';

export const DUPLICATE = 'duplicate';
export const SEMANTIC_DUPLICATE = 'semantic_duplicate';
export const MIX = 'mix';

/** Clip id -> id of the kept clip it duplicates. */
export type DuplicateFinder = (clips: ClipRow[]) => Map<string, string> | Promise<Map<string, string>>;

export interface VerdictOptions {
  /** Sources taken down (takedowns.jsonl): their rows are removed, not marked. */
  takenDown: ReadonlySet<string>;
  duplicateIndex?: DuplicateIndex;
  markSemanticDuplicates?: DuplicateFinder;
  mix?: MixConfig;
  /** Kept hours per category already in the dataset, which mix balancing counts in (stats totals). */
  existingCategories?: Record<string, { hours: number }>;
}

export interface Verdicts {
  /** Rows removed from the index (taken-down sources), by clip id. */
  removed: Set<string>;
  /** Kept clips dropped by this reduce (duplicates and mix), by clip id. */
  dropped: Set<string>;
  duplicates: number;
}

/** The source id a clip id starts with (segment/ids.ts: `<source>-<start>-<end>`). */
const sourceOfClip = (clipId: string): string => clipId.replace(/-\d+-\d+$/, '');

/** Drops the rows a finder maps to another clip; returns those still kept. */
function applyFinder(kept: ClipRow[], verdicts: Map<string, string>, reason: string, known: (id: string) => boolean, dropped: Set<string>): ClipRow[] {
  const remaining: ClipRow[] = [];
  for (const row of kept) {
    const original = verdicts.get(row.clip_id);
    // A verdict pointing at itself or at a clip that is not kept would leave no copy: ignored.
    if (original !== undefined && original !== row.clip_id && known(original)) {
      dropRow(row, reason, original);
      dropped.add(row.clip_id);
    } else remaining.push(row);
  }
  return remaining;
}

/** Decides and marks (in place) the verdicts for `rows`, the rows of every pending part of this reduce. */
export async function decideVerdicts(rows: readonly ClipRow[], opts: VerdictOptions): Promise<Verdicts> {
  const removed = new Set(rows.filter((r) => opts.takenDown.has(r.source_id)).map((r) => r.clip_id));
  const dropped = new Set<string>();
  let kept = rows.filter((r) => r.status === 'kept' && !removed.has(r.clip_id));
  const keptIds = new Set(kept.map((r) => r.clip_id));
  const pendingIds = new Set(rows.map((r) => r.clip_id));

  if (opts.duplicateIndex) {
    const verdicts = await opts.duplicateIndex.findDuplicates(kept.filter((r) => r.signature).map(dedupRowOf));
    // The index answers with final clips (kept, unless their source was taken down since: the index
    // keeps their signatures) or pending ones, which must be kept.
    const live = (id: string) => (keptIds.has(id) || !pendingIds.has(id)) && !opts.takenDown.has(sourceOfClip(id));
    kept = applyFinder(kept, verdicts, DUPLICATE, live, dropped);
  }
  if (opts.markSemanticDuplicates) {
    const stillKept = new Set(kept.map((r) => r.clip_id));
    kept = applyFinder(kept, await opts.markSemanticDuplicates(kept), SEMANTIC_DUPLICATE, (id) => stillKept.has(id), dropped);
  }
  const duplicates = dropped.size;
  if (opts.mix?.balance) {
    const leftOut = balanceMix(kept, opts.mix, opts.existingCategories);
    for (const row of kept) {
      if (!leftOut.has(row.clip_id)) continue;
      dropRow(row, MIX);
      dropped.add(row.clip_id);
    }
  }
  return { removed, dropped, duplicates };
}
