/**
 * What the learned verifier (verifier.ts) sees of one candidate boundary: a fixed list of numbers
 * read from the per-frame series the detector measured, all relative to the boundary's own
 * surroundings (local levels, ratios, shares), so they carry across resolutions, frame rates and
 * content. Unmeasured values (NaN) become -1, a value no measured feature takes.
 */
import type { Transition } from '../types.js';
import type { BoundarySeries } from './boundaries.js';
import { quantile, windowMedianMad } from './stats.js';

/** The long-range distances (to the frame `span` earlier), beside the series the rules read. */
export interface FeatureSeries extends BoundarySeries {
  long: Float32Array;
  longHist: Float32Array;
}

/** Feature names, in the order of the vector: the model file names them, and a mismatch is refused. */
export const FEATURE_NAMES = [
  'is_cut',
  'seconds',
  'peak_step',
  'step_level',
  'peak_over_level',
  'peak_mad_z',
  'structure_peak',
  'structure_over_level',
  'separation',
  'colour_separation',
  'structure_separation',
  'changed',
  'across_share',
  'colour_return',
  'repeat_share',
  'long_peak',
  'long_over_level',
  'colour_long_peak',
  'colour_long_over_level',
  'contrast',
  'luma_jump',
] as const;

const EPS = 1e-3;
/** Seconds around a boundary whose steps set its local level. */
const LEVEL_SEC = 1;

/**
 * The features of boundary `t`; `previous` is the boundary before it, whose frames (and the `span`
 * after it) are left out of the long-range distances' calm level.
 */
export function boundaryFeatures(series: FeatureSeries, t: Transition, fps: number, previous?: Transition): number[] {
  const { step, structureStep } = series;
  const n = step.length;
  const s = t.startFrame;
  const e = t.kind === 'cut' ? t.startFrame : t.endFrame + 1;
  const before = Math.max(0, s - 1);
  const after = Math.min(n - 1, e);
  const w = Math.max(3, Math.round(LEVEL_SEC * fps));
  const peak = argMax(step, s, e);
  const peakStep = finite(step[peak], 0);
  // The level of the second on either side, the boundary's own frames left out.
  const { median: level, mad } = windowMedianMad(step, s - w, e + 1 + w, s, e + 1);
  const structure = finite(structureStep[argMax(structureStep, s, e)], 0);
  const structureLevel = windowMedianMad(structureStep, s - w, e + 1 + w, s, e + 1).median;
  const raisedUntil = previous ? (previous.kind === 'cut' ? previous.startFrame : previous.endFrame) + series.span : -1;
  const long = longRise(series.long, s, e, series.span, w, raisedUntil);
  const colourLong = longRise(series.longHist, s, e, series.span, w, raisedUntil);
  return [
    t.kind === 'cut' ? 1 : 0,
    t.kind === 'cut' ? 0 : (t.endFrame - t.startFrame + 1) / fps,
    peakStep,
    level,
    Math.log((peakStep + EPS) / (level + EPS)),
    Math.min(50, (peakStep - level) / (mad + EPS)),
    structure,
    Math.log((structure + EPS) / (structureLevel + EPS)),
    logOr(series.separation[peak]),
    logOr(series.histSeparation[peak]),
    logOr(series.structureSeparation[peak]),
    finite(series.changed[peak], -1),
    Number.isFinite(series.across[peak]) ? Math.min(4, series.across[peak] / (peakStep + EPS)) : -1,
    finite(series.colourReturn[peak], -1),
    repeatShare(step, s - w, e + w),
    long.peak,
    long.overLevel,
    colourLong.peak,
    colourLong.overLevel,
    Math.min(series.contrast[before], series.contrast[after]),
    Math.abs(series.luma[after] - series.luma[before]) / 255,
  ];
}

/** Frame of the largest finite value in [from, to] (from when none is finite). */
function argMax(series: Float32Array, from: number, to: number): number {
  let best = Math.max(0, from);
  for (let j = Math.max(0, from); j <= Math.min(series.length - 1, to); j++) {
    if (series[j] > finite(series[best], -Infinity)) best = j;
  }
  return best;
}

/**
 * The long-range distance over the boundary (from its start to `span` frames after its end: those
 * compare across it) and how far that stands above its calm level in the two seconds before. The
 * level leaves out frames up to `raisedUntil`, which compare across the boundary before (a
 * dissolve right after another would otherwise seem to rise above nothing), unless that leaves none.
 */
function longRise(long: Float32Array, s: number, e: number, span: number, w: number, raisedUntil: number): { peak: number; overLevel: number } {
  let peak = 0;
  for (let j = Math.max(0, s); j <= Math.min(long.length - 1, e + span); j++) if (long[j] > peak) peak = long[j];
  const all: number[] = [];
  const quiet: number[] = [];
  for (let j = Math.max(0, s - 2 * w); j < s; j++) {
    if (!Number.isFinite(long[j])) continue;
    all.push(long[j]);
    if (j > raisedUntil) quiet.push(long[j]);
  }
  const history = quiet.length ? quiet : all;
  const level = history.length ? quantile(history, 0.3) : 0;
  return { peak, overLevel: Math.log((peak + EPS) / (level + EPS)) };
}

function repeatShare(step: Float32Array, from: number, to: number): number {
  let repeats = 0;
  let count = 0;
  for (let j = Math.max(1, from); j <= Math.min(step.length - 1, to); j++, count++) if (Number.isNaN(step[j])) repeats++;
  return count ? repeats / count : 0;
}

function finite(v: number, otherwise: number): number {
  return Number.isFinite(v) ? v : otherwise;
}

/** log(1 + v) of a measured ratio, -1 where it was not measured. */
function logOr(v: number): number {
  return Number.isFinite(v) ? Math.log1p(Math.min(v, 1e3)) : -1;
}
