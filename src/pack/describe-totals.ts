/** stats.json totals of the describe step: captions and their cost, and the content mix by category. */
import type { ClipRow } from './rows.js';

export interface CaptionTotals {
  /** Kept clips with a model caption. */
  captioned: number;
  /** Kept clips whose caption request failed (a rerun asks again). */
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** At the configured token prices; 0 when none were set. */
  estimated_cost: number;
  /** Captioned clips per model. */
  by_model: Record<string, number>;
}

export interface CategoryTotals {
  clips: number;
  hours: number;
  /** Share of the kept clip hours, 0..1. */
  share: number;
}

export const UNCATEGORISED = 'uncategorised';

export function captionTotals(kept: readonly ClipRow[]): CaptionTotals {
  const totals: CaptionTotals = { captioned: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, estimated_cost: 0, by_model: {} };
  for (const row of kept) {
    totals.prompt_tokens += row.prompt_tokens ?? 0;
    totals.completion_tokens += row.completion_tokens ?? 0;
    totals.estimated_cost += row.caption_cost ?? 0;
    if (row.caption_error !== null) totals.errors++;
    else if (row.caption_model !== null) {
      totals.captioned++;
      totals.by_model[row.caption_model] = (totals.by_model[row.caption_model] ?? 0) + 1;
    }
  }
  return totals;
}

export function categoryTotals(kept: readonly ClipRow[]): Record<string, CategoryTotals> {
  const out: Record<string, CategoryTotals> = {};
  let seconds = 0;
  for (const row of kept) {
    const t = (out[row.category ?? UNCATEGORISED] ??= { clips: 0, hours: 0, share: 0 });
    t.clips++;
    t.hours += row.duration / 3600;
    seconds += row.duration;
  }
  for (const t of Object.values(out)) t.share = seconds > 0 ? (t.hours * 3600) / seconds : 0;
  return out;
}
