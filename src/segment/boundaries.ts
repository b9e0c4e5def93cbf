/**
 * Decides where shots change, from per-frame distance series the detector measured in its one
 * pass. Thresholds are relative to the local level of each series (median and MAD around the
 * frame), so a static talk and a fast music video need no different settings; `threshold`
 * scales them all (lower finds more).
 */
import type { Transition } from '../types.js';
import { windowMedianMad, windowQuantile } from './stats.js';

export interface BoundarySeries {
  /** Motion-compensated distance of frame i to frame i-1. */
  step: Float32Array;
  /** Smallest distance across frame i's boundary over a short window (NaN: not measured, no flash). */
  across: Float32Array;
  /** Distance of frame i to frame i-span (NaN for the first `span` frames). */
  long: Float32Array;
  /** How much each frame's picture varies (near 0 for black, white and flat frames). */
  contrast: Float32Array;
  /** Frames between the two frames compared in `long`. */
  span: number;
}

export interface BoundaryParams {
  fps: number;
  threshold: number;
}

/** A cut needs at least this step distance, whatever the local level. */
const CUT_MIN = 0.06;
/** ...and must stand this far above the local level (median + MAD multiples). */
const CUT_MEDIAN_FACTOR = 2.5;
const CUT_MAD_FACTOR = 4;
/** Content across a real cut stays different: frames on both sides of a flash match again. */
const FLASH_RATIO = 0.5;
/** A gradual change must reach this long-range distance and this multiple of the local level. */
const GRADUAL_MIN = 0.12;
const GRADUAL_MEDIAN_FACTOR = 2.5;
/** The span of a gradual change is where the long-range distance stays above this share of its peak rise. */
const GRADUAL_EDGE_SHARE = 0.3;
/** Longest gradual transition looked for, seconds. */
const MAX_GRADUAL_SEC = 2;
const LEVEL_QUANTILE = 0.3;
const MIN_GRADUAL_FRAMES = 3;
/** Grid contrast (luma levels) below which a frame is blank: black, white or one flat colour. */
const BLANK_CONTRAST = 2;
/** Each frame of a fade ramp has at least this much more contrast than the one nearer the blank. */
const RAMP_STEP = 1.01;

export function findCuts(series: BoundarySeries, params: BoundaryParams): number[] {
  const { step, across } = series;
  const window = Math.max(6, Math.round(params.fps));
  const cuts: number[] = [];
  for (let i = 1; i < step.length; i++) {
    const v = step[i];
    if (v < CUT_MIN * params.threshold || !isLocalMax(step, i, 2)) continue;
    const { median, mad } = windowMedianMad(step, i - window, i + window + 1, i - 1, i + 2);
    if (v < params.threshold * (CUT_MEDIAN_FACTOR * median + CUT_MAD_FACTOR * mad)) continue;
    const a = across[i];
    if (Number.isFinite(a) && a < FLASH_RATIO * v) continue;
    cuts.push(i);
  }
  return cuts;
}

/**
 * Gradual transitions: runs where frame i differs from frame i-span far more than is usual
 * around it. A transition of T frames keeps that distance high for about span+T frames; a cut
 * for exactly span frames (left to findCuts); a flash for two short bursts; steady
 * motion everywhere (so it never stands out from the local level).
 */
export function findGradual(series: BoundarySeries, params: BoundaryParams): Transition[] {
  const { long, span } = series;
  const maxLen = span + Math.round(MAX_GRADUAL_SEC * params.fps);
  const context = maxLen + span;
  const found: Transition[] = [];
  let i = span;
  while (i < long.length) {
    // The absolute floor is checked first: the local level costs a sort.
    const level = long[i] >= params.threshold * GRADUAL_MIN ? localLevel(long, i, context) : Infinity;
    const hi = params.threshold * Math.max(GRADUAL_MIN, GRADUAL_MEDIAN_FACTOR * level);
    if (!(long[i] >= hi)) {
      i++;
      continue;
    }
    let peak = long[i];
    let r1 = i;
    while (r1 + 1 < long.length && long[r1 + 1] >= hi) peak = Math.max(peak, long[++r1]);
    const lo = level + GRADUAL_EDGE_SHARE * (peak - level);
    let r0 = i;
    while (r0 - 1 >= span && long[r0 - 1] >= lo) r0--;
    while (r1 + 1 < long.length && long[r1 + 1] >= lo) r1++;
    i = r1 + 1;
    const len = r1 - r0 + 1;
    // A cut raises the distance for exactly `span` frames: that run is left to findCuts.
    if (len < span + MIN_GRADUAL_FRAMES || len > maxLen) continue;
    found.push({ kind: 'gradual', startFrame: r0, endFrame: Math.max(r0, r1 - span) });
  }
  return mergeClose(preferFades(found, findFades(series, params)), span);
}

/**
 * Fades through black or white: a run of blank frames (no contrast) entered or left by a steady
 * change of contrast. The span runs from where the contrast starts to fall to where it stops
 * rising. A blank run entered and left by cuts (a black title card) is not a fade.
 */
export function findFades(series: BoundarySeries, params: BoundaryParams): Transition[] {
  const { contrast } = series;
  const maxRamp = Math.round(MAX_GRADUAL_SEC * params.fps);
  const fades: Transition[] = [];
  let i = 0;
  while (i < contrast.length) {
    if (!(contrast[i] < BLANK_CONTRAST)) {
      i++;
      continue;
    }
    const b0 = i;
    while (i + 1 < contrast.length && contrast[i + 1] < BLANK_CONTRAST) i++;
    const b1 = i++;
    let s = b0;
    while (s > 0 && b0 - s < maxRamp && contrast[s - 1] > contrast[s] * RAMP_STEP) s--;
    let e = b1;
    while (e + 1 < contrast.length && e - b1 < maxRamp && contrast[e + 1] > contrast[e] * RAMP_STEP) e++;
    if (b0 - s + (e - b1) >= MIN_GRADUAL_FRAMES) fades.push({ kind: 'gradual', startFrame: s, endFrame: e });
  }
  return fades;
}

/** Where a fade and a long-range change overlap, the fade's span (measured on contrast) is the sharper one. */
function preferFades(changes: Transition[], fades: Transition[]): Transition[] {
  const overlaps = (a: Transition, b: Transition) => a.startFrame <= b.endFrame && b.startFrame <= a.endFrame;
  return [...changes.filter((c) => !fades.some((f) => overlaps(c, f))), ...fades].sort((a, b) => a.startFrame - b.startFrame);
}

/**
 * A low quantile of the long-range distance around i: the "nothing is happening" level, even
 * where transitions follow each other closely.
 */
function localLevel(long: Float32Array, i: number, context: number): number {
  return windowQuantile(long, i - context, i + context + 1, LEVEL_QUANTILE);
}

function isLocalMax(series: Float32Array, i: number, radius: number): boolean {
  for (let j = Math.max(0, i - radius); j <= Math.min(series.length - 1, i + radius); j++) {
    if (series[j] > series[i] || (series[j] === series[i] && j < i)) return false;
  }
  return true;
}

/** Two gradual changes a moment apart (fade out, a few black frames, fade in) are one transition. */
function mergeClose(transitions: Transition[], gap: number): Transition[] {
  const merged: Transition[] = [];
  for (const t of transitions) {
    const last = merged[merged.length - 1];
    if (last && t.startFrame - last.endFrame <= gap) last.endFrame = Math.max(last.endFrame, t.endFrame);
    else merged.push({ ...t });
  }
  return merged;
}

/**
 * Cuts and gradual transitions in frame order. A step inside a gradual transition (or at its
 * ragged edges, within `margin` frames) is part of it, not a cut.
 */
export function combineTransitions(cuts: number[], gradual: Transition[], margin: number): Transition[] {
  const inside = (c: number) => gradual.some((g) => c >= g.startFrame - margin && c <= g.endFrame + 1 + margin);
  const all: Transition[] = [
    ...cuts.filter((c) => !inside(c)).map((c): Transition => ({ kind: 'cut', startFrame: c, endFrame: c })),
    ...gradual,
  ];
  return all.sort((a, b) => a.startFrame - b.startFrame);
}
