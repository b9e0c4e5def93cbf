/**
 * The content mix: how the kept hours split across categories against the targets in the config,
 * and, with `balance`, which clips to leave out so the split approaches the targets. Over-full
 * categories are thinned by quality (sharpest first, then clip id, so the choice is the same on
 * every run), never below `floor` of their own hours; the clips left out keep reason `mix`.
 * Categories without a target share what the targets leave (1 − their sum) as one group.
 */
import type { ClipRow } from './rows.js';
import { categoryTotals, UNCATEGORISED } from './describe-totals.js';

export interface MixConfig {
  /** Category → share of the kept hours (0..1). */
  targets: Record<string, number>;
  balance: boolean;
  /** Share of a category's own hours that balancing always keeps. */
  floor: number;
}

export interface MixEntry {
  target: number | null;
  achieved: number;
  hours: number;
  clips: number;
}

const REST = '(other categories)';

const groupOf = (row: ClipRow, targets: Record<string, number>): string => {
  const category = row.category ?? UNCATEGORISED;
  return category in targets ? category : REST;
};

/** Achieved vs target shares of the kept rows, per category with a target and for the rest. */
export const mixReport = (kept: readonly ClipRow[], targets: Record<string, number>): Record<string, MixEntry> =>
  mixFromCategories(categoryTotals(kept), targets);

/** The same from kept clips and hours per category (stats totals, summed over parts). */
export function mixFromCategories(categories: Record<string, { clips: number; hours: number }>, targets: Record<string, number>): Record<string, MixEntry> {
  const report: Record<string, MixEntry> = {};
  for (const [category, target] of Object.entries(targets)) report[category] = { target, achieved: 0, hours: 0, clips: 0 };
  const rest = 1 - Object.values(targets).reduce((a, b) => a + b, 0);
  let total = 0;
  for (const [category, t] of Object.entries(categories)) {
    const group = category in targets ? category : REST;
    const entry = (report[group] ??= { target: group === REST ? Math.max(0, rest) : null, achieved: 0, hours: 0, clips: 0 });
    entry.hours += t.hours;
    entry.clips += t.clips;
    total += t.hours;
  }
  for (const entry of Object.values(report)) entry.achieved = total > 0 ? entry.hours / total : 0;
  return report;
}

/**
 * Clip ids of `kept` (the clips being added) to leave out so the kept hours approach the targets.
 * `existing`: kept hours per category already in the dataset (its totals), which stay; the
 * targets then apply to the dataset as it will be, and only the new clips are thinned.
 */
export function balanceMix(kept: readonly ClipRow[], cfg: MixConfig, existing: Record<string, { hours: number }> = {}): Set<string> {
  const targets = { ...cfg.targets };
  const rest = 1 - Object.values(targets).reduce((a, b) => a + b, 0);
  if (rest > 1e-9) targets[REST] = rest;
  const groups = new Map<string, ClipRow[]>();
  for (const row of kept) {
    const group = groupOf(row, cfg.targets);
    if (!(group in targets)) continue;
    const list = groups.get(group) ?? [];
    list.push(row);
    groups.set(group, list);
  }
  const hoursOf = (rows: readonly ClipRow[]) => rows.reduce((h, r) => h + r.duration / 3600, 0);
  const before: Record<string, number> = {};
  for (const [category, t] of Object.entries(existing)) {
    const group = category in cfg.targets ? category : REST;
    before[group] = (before[group] ?? 0) + t.hours;
  }
  // The dataset size the scarcest category allows: every target met at that total.
  let total = Infinity;
  for (const [group, share] of Object.entries(targets)) {
    if (share <= 0) continue;
    total = Math.min(total, ((before[group] ?? 0) + hoursOf(groups.get(group) ?? [])) / share);
  }
  const leftOut = new Set<string>();
  if (!Number.isFinite(total) || total <= 0) return leftOut;
  for (const [group, rows] of groups) {
    const available = hoursOf(rows);
    const wanted = Math.max((targets[group] ?? 0) * total - (before[group] ?? 0), cfg.floor * available);
    if (wanted >= available) continue;
    let hours = 0;
    for (const row of [...rows].sort(byQuality)) {
      if (hours + row.duration / 3600 <= wanted + 1e-9) hours += row.duration / 3600;
      else leftOut.add(row.clip_id);
    }
  }
  return leftOut;
}

function byQuality(a: ClipRow, b: ClipRow): number {
  const sa = a.signals.sharpness ?? 0;
  const sb = b.signals.sharpness ?? 0;
  if (sa !== sb) return sb - sa;
  return a.clip_id < b.clip_id ? -1 : a.clip_id > b.clip_id ? 1 : 0;
}
