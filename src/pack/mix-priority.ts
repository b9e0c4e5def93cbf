/**
 * Which queued sources go first when the config sets content-mix targets: those whose metadata
 * (manifest columns, dataset labels) predicts a category that is still below its target in the
 * dataset so far (all of them on a first run). BullMQ priorities: 1 first, 2 after.
 */
import { categoryFromMetadata } from '../annotate/taxonomy.js';
import type { RunConfig } from '../config/schema.js';
import type { Source } from '../types.js';

export const FIRST = 1;
export const AFTER = 2;

/** `achieved`: each category's share of the kept hours so far (stats.json `mix`); absent on a first run. */
export function mixPriority(source: Source, cfg: RunConfig, achieved: Record<string, number> = {}): number | undefined {
  const { targets } = cfg.pack.mix;
  if (Object.keys(targets).length === 0) return undefined;
  const spans = (source.spans ?? []).map((s) => s.metadata ?? {});
  const category = categoryFromMetadata([source.metadata, ...spans], cfg.caption.taxonomy);
  if (category === undefined || !(category in targets)) return AFTER;
  return (achieved[category] ?? 0) < targets[category]! ? FIRST : AFTER;
}
