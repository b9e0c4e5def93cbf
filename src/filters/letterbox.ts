/** Drops clips whose letterbox or pillarbox bars cover too much of the picture. */
import type { Signals } from '../schema/signals.js';
import { formatValue, KEEP, type ClipFilter, type Verdict } from './filter.js';

/** Share of the height or width (whichever is larger) covered by dark border bars. */
export const barShare = (s: Signals): number =>
  Math.max((s.bar_top ?? 0) + (s.bar_bottom ?? 0), (s.bar_left ?? 0) + (s.bar_right ?? 0));

export class LetterboxFilter implements ClipFilter {
  readonly name = 'letterbox';
  constructor(readonly maxBarShare: number) {}

  judge(signals: Signals): Verdict {
    const bars = barShare(signals);
    if (bars > this.maxBarShare) return { keep: false, reason: `${this.name}: bar_share=${formatValue(bars)} > ${formatValue(this.maxBarShare)}` };
    return KEEP;
  }
}
