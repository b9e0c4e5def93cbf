/**
 * Scores detected transitions against the truth, one-to-one: a true cut matches a detected
 * boundary within ±2 frames; a true gradual transition matches a detection lying anywhere in its
 * span ±2 frames. Unmatched detections are false positives of their own kind.
 */
import type { Transition } from '../../src/types.js';
import type { Truth } from './synth.js';

export const TOLERANCE = 2;

export interface KindCounts {
  truths: number;
  matched: number;
  detected: number;
  falsePositives: number;
}

export type Scores = Record<'cut' | 'gradual', KindCounts> & { byTransition: Record<string, { truths: number; matched: number }> };

export function emptyScores(): Scores {
  const counts = (): KindCounts => ({ truths: 0, matched: 0, detected: 0, falsePositives: 0 });
  return { cut: counts(), gradual: counts(), byTransition: {} };
}

export function score(truth: Truth, detected: Transition[], into: Scores): void {
  const used = new Set<number>();
  const claim = (fits: (d: Transition) => boolean) => {
    const i = detected.findIndex((d, k) => !used.has(k) && fits(d));
    if (i >= 0) used.add(i);
    return i >= 0;
  };
  const near = (d: Transition, from: number, to: number) => d.startFrame <= to + TOLERANCE && d.endFrame >= from - TOLERANCE;
  for (const c of truth.cuts) {
    into.cut.truths++;
    if (claim((d) => d.kind === 'cut' && near(d, c, c)) || claim((d) => near(d, c, c))) into.cut.matched++;
  }
  for (const g of truth.gradual) {
    into.gradual.truths++;
    const t = (into.byTransition[g.transition] ??= { truths: 0, matched: 0 });
    t.truths++;
    if (claim((d) => d.kind === 'gradual' && near(d, g.startFrame, g.endFrame)) || claim((d) => near(d, g.startFrame, g.endFrame))) {
      into.gradual.matched++;
      t.matched++;
    }
  }
  detected.forEach((d, k) => {
    into[d.kind].detected++;
    if (!used.has(k)) into[d.kind].falsePositives++;
  });
}

export function prf(c: KindCounts): { recall: number; precision: number; f1: number } {
  const recall = c.truths ? c.matched / c.truths : 1;
  const tp = c.matched;
  const precision = tp + c.falsePositives ? tp / (tp + c.falsePositives) : 1;
  const f1 = recall + precision ? (2 * recall * precision) / (recall + precision) : 0;
  return { recall, precision, f1 };
}
