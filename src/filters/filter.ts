/**
 * A clip filter, DataTrove style: one small object that reads a clip's signals and says keep, or
 * drop with a reason naming itself and the measured value (`static: motion_mean=0.12 < 0.25`).
 */
import type { Signals } from '../schema/signals.js';
import type { ClipRecord } from '../types.js';

export type Verdict = { keep: true } | { keep: false; reason: string };

export interface ClipFilter {
  /** The filter's name, which starts every reason it gives. */
  readonly name: string;
  /** A filter whose signal is not measured (yet) keeps the clip. */
  judge(signals: Signals, clip?: Readonly<ClipRecord>): Verdict;
}

export const KEEP: Verdict = { keep: true };

/** The first drop among `filters`, in their order (most specific first), or keep. */
export function firstDrop(filters: readonly ClipFilter[], signals: Signals, clip?: Readonly<ClipRecord>): Verdict {
  for (const filter of filters) {
    const verdict = filter.judge(signals, clip);
    if (!verdict.keep) return verdict;
  }
  return KEEP;
}

/** A measured value in a reason: three significant digits. */
export const formatValue = (v: number): string => String(Number(v.toPrecision(3)));
