/**
 * Decides where shots change, from per-frame distance series the detector measured in its one
 * pass. Thresholds are relative to the local level of each series (median and MAD around the
 * frame), so a static talk and a fast music video need no different settings; `threshold`
 * scales them all (lower finds more).
 */
import type { Transition } from '../types.js';
import { CUT_COLOUR_SEPARATION, CUT_MIN, CUT_SEPARATION, STRUCTURE_CUT_MIN, STRUCTURE_SEPARATION } from './cut-candidates.js';
import { windowMedianMad } from './stats.js';

export interface BoundarySeries {
  /** Motion-compensated distance of frame i to frame i-1. */
  step: Float32Array;
  /** Structure distance (brightness and contrast removed) of frame i to frame i-1; NaN on a repeat. */
  structureStep: Float32Array;
  /** Two-sided separation in structure at a cut candidate (NaN elsewhere). */
  structureSeparation: Float32Array;
  /** Smallest structure distance across a candidate over a short window (NaN elsewhere). */
  structureAcross: Float32Array;
  /** Smallest distance across frame i's boundary over a short window (NaN: not measured, no flash). */
  across: Float32Array;
  /** How much each frame's picture varies (near 0 for black, white and flat frames). */
  contrast: Float32Array;
  /**
   * Where the colours jump at frame i (NaN elsewhere): the smallest colour distance between a frame
   * shortly before and one shortly after the jump's first frame, as a share of the jump.
   */
  colourReturn: Float32Array;
  /** Two-sided separation at a cut candidate (NaN elsewhere): distance across it over the distances within each side, on layout... */
  separation: Float32Array;
  /** ...and on colours alone. */
  histSeparation: Float32Array;
  /** Share of the picture's cells that change at a cut candidate (NaN elsewhere). */
  changed: Float32Array;
  /** Mean luma of each frame (0..255). */
  luma: Float32Array;
  /** Frames between the two frames compared by the long-range distance: transitions this close merge. */
  span: number;
}

export interface BoundaryParams {
  fps: number;
  threshold: number;
}

/** ...and must stand this far above the local level (median + MAD multiples). */
const CUT_MEDIAN_FACTOR = 2.5;
const CUT_MAD_FACTOR = 4;
/** Two-sided separation in both layout and colours that makes a cut whatever the local level of the steps. */
const CLEAR_SEPARATION = 2;
const CLEAR_COLOUR_SEPARATION = 5;
/** A cut changes at least this share of the picture (a title or an object popping in changes less). */
const CUT_CHANGED_SHARE = 0.3;
/** Content across a real cut stays different: frames on both sides of a flash match again. */
const FLASH_RATIO = 0.5;
/** Longest light burst (flash) looked for around a cut, seconds. */
const FLASH_SEC = 0.3;
/** A burst's frames are all this much brighter (or darker) in mean luma than the frames around it... */
const BURST_LUMA = 25;
/** ...which differ from each other by at most this share of the burst's height. */
const BURST_RETURN = 0.5;
/**
 * A cut out of (or into) fast motion, where the pictures within the moving side differ about as
 * much as the pictures across: the mean luma jumps at least this much (levels) in one frame...
 */
const LUMA_CUT_JUMP = 64;
/** ...this many times the largest one-frame luma change within LUMA_CUT_SIDE frames on each side... */
const LUMA_CUT_RATIO = 3;
const LUMA_CUT_SIDE = 3;
/** Longest gradual transition looked for, seconds. */
const MAX_GRADUAL_SEC = 2;
const MIN_GRADUAL_FRAMES = 3;
/** Grid contrast (luma levels) below which a frame is flat... */
const BLANK_CONTRAST = 2;
/** ...and mean luma outside these bounds for it to be black or white, as a fade passes through. */
const BLACK_LUMA = 40;
const WHITE_LUMA = 215;
/** A flat picture's fade moves its mean luma by at least this much a frame... */
const RAMP_MIN_RATE = 0.4;
/** ...and this much in all. */
const FLAT_RAMP_LUMA = 20;
/** Frames over which the rate of a flat picture's fade is measured. */
const RAMP_RATE_FRAMES = 3;
/** Each frame of a fade ramp has at least this much more contrast than the one nearer the blank. */
const RAMP_STEP = 1.01;
/** A fade ramp ends where the contrast rises by less than this share of its average rise so far. */
const RAMP_SLOWDOWN = 0.25;

/**
 * Cuts under flicker (old film, strobing light): the structure step stands out from its own local
 * level and separates the two sides in structure, where brightness and contrast jumping from frame
 * to frame keep the plain step from standing out. Same picture-share and flash checks as a cut.
 */
const STRUCTURE_MEDIAN_FACTOR = 2;
const STRUCTURE_MAD_FACTOR = 2;

export function findCuts(series: BoundarySeries, params: BoundaryParams): number[] {
  const cuts = findPlainCuts(series, params);
  for (const c of findStructureCuts(series, params)) {
    if (!cuts.some((k) => Math.abs(k - c) <= 2)) cuts.push(c);
  }
  return cuts.sort((a, b) => a - b);
}

function findStructureCuts(series: BoundarySeries, params: BoundaryParams): number[] {
  const s = series.structureStep;
  const window = Math.max(6, Math.round(params.fps));
  const cuts: number[] = [];
  for (let i = 1; i < s.length; i++) {
    const v = s[i];
    if (!(v >= STRUCTURE_CUT_MIN * params.threshold) || !isLocalMax(s, i, 2)) continue;
    if (!(series.structureSeparation[i] >= STRUCTURE_SEPARATION) || !(series.changed[i] >= CUT_CHANGED_SHARE)) continue;
    const { median, mad } = windowMedianMad(s, i - window, i + window + 1, i - 1, i + 2);
    if (v < params.threshold * (STRUCTURE_MEDIAN_FACTOR * median + STRUCTURE_MAD_FACTOR * mad)) continue;
    if (series.structureAcross[i] < FLASH_RATIO * v) continue;
    cuts.push(i);
  }
  return cuts;
}

function findPlainCuts(series: BoundarySeries, params: BoundaryParams): number[] {
  const { step, across } = series;
  const window = Math.max(6, Math.round(params.fps));
  const cuts: number[] = [];
  for (let i = 1; i < step.length; i++) {
    const v = step[i];
    if (!(v >= CUT_MIN * params.threshold) || !isLocalMax(step, i, 2)) continue;
    const { median, mad } = windowMedianMad(step, i - window, i + window + 1, i - 1, i + 2);
    // Where a calm shot meets a busy one the window's level is the busy side's: a cut that clearly
    // separates the two sides in both layout and colours, or in brightness, needs no more.
    const brightness = brightnessCut(series, i);
    if (v < params.threshold * (CUT_MEDIAN_FACTOR * median + CUT_MAD_FACTOR * mad) && !clearlySeparates(series, i) && !brightness) continue;
    const a = across[i];
    if (Number.isFinite(a) && a < FLASH_RATIO * v) continue;
    if (series.colourReturn[i] < FLASH_RATIO) continue;
    if (!separates(series, i) && !brightness) continue;
    if (edgeOfLightBurst(series.luma, i, Math.max(2, Math.round(FLASH_SEC * params.fps)))) continue;
    cuts.push(i);
  }
  return cuts;
}

/** Whether the two-sided test holds at a cut candidate (a frame never checked is no cut: its step did not stand out). */
function separates(series: BoundarySeries, i: number): boolean {
  if (!(series.changed[i] >= CUT_CHANGED_SHARE)) return false;
  return series.separation[i] >= CUT_SEPARATION || series.histSeparation[i] >= CUT_COLOUR_SEPARATION;
}

/**
 * Whether frame i's picture differs from the one before in brightness far beyond what the motion
 * on either side changes it, and in shapes too (a light switched on keeps its shapes). Motion
 * does not move the mean luma of the whole picture by a quarter of its range in one frame; the
 * flash and light-burst checks reject brightness that comes back.
 */
function brightnessCut(series: BoundarySeries, i: number): boolean {
  const { luma } = series;
  if (!(series.changed[i] >= CUT_CHANGED_SHARE) || !(series.structureStep[i] >= STRUCTURE_CUT_MIN)) return false;
  if (i < LUMA_CUT_SIDE + 1 || i + LUMA_CUT_SIDE >= luma.length) return false;
  const jump = Math.abs(luma[i] - luma[i - 1]);
  let within = 0;
  for (let j = i - LUMA_CUT_SIDE; j <= i + LUMA_CUT_SIDE; j++) {
    if (j !== i) within = Math.max(within, Math.abs(luma[j] - luma[j - 1]));
  }
  return jump >= LUMA_CUT_JUMP && jump >= LUMA_CUT_RATIO * within;
}

function clearlySeparates(series: BoundarySeries, i: number): boolean {
  return series.changed[i] >= CUT_CHANGED_SHARE && series.separation[i] >= CLEAR_SEPARATION && series.histSeparation[i] >= CLEAR_COLOUR_SEPARATION;
}

/**
 * Fades found on blank frames: through black or white (on the contrast series) and slow fades of
 * a flat grey (on the mean luma), in frame order. Motion cannot make these: no frame has contrast.
 */
export function blankFades(series: BoundarySeries, params: BoundaryParams): Transition[] {
  return mergeClose([...findFades(series, params), ...findFlatRamps(series, params)].sort((a, b) => a.startFrame - b.startFrame), 0);
}

/**
 * All gradual transitions: the long-range changes found while streaming and the blank-frame
 * fades, one span where they overlap or nearly touch.
 */
export function gradualTransitions(changes: Transition[], fades: Transition[], span: number): Transition[] {
  return mergeClose(preferFades(changes, fades), span);
}

/**
 * Fades of a flat picture from one grey level to another (black to grey, grey to white): every
 * frame has no contrast, so only the mean luma tells, moving the same way by a steady amount each
 * frame. The colour-histogram distances saturate on such frames and the fade finder above needs a
 * black or white end.
 */
function findFlatRamps(series: BoundarySeries, params: BoundaryParams): Transition[] {
  const { contrast, luma } = series;
  const maxLen = Math.round(MAX_GRADUAL_SEC * params.fps);
  // Over a few frames: 8-bit levels move in whole steps, some frames not at all.
  const k = RAMP_RATE_FRAMES;
  const flat = (j: number) => contrast[j] < BLANK_CONTRAST;
  const rate = (j: number) => (flat(j) && flat(j - k) ? (luma[j] - luma[j - k]) / k : 0);
  const ramps: Transition[] = [];
  let j = k;
  while (j < luma.length) {
    const dir = Math.sign(rate(j));
    if (Math.abs(rate(j)) < RAMP_MIN_RATE) {
      j++;
      continue;
    }
    let last = j;
    while (last + 1 < luma.length && Math.sign(rate(last + 1)) === dir && Math.abs(rate(last + 1)) >= RAMP_MIN_RATE) last++;
    // The ramp runs from the last frame of the level before it to the first of the level after it.
    let start = j - k;
    let end = last;
    while (start + 1 < end && luma[start + 1] === luma[start]) start++;
    while (end - 1 > start && luma[end - 1] === luma[end]) end--;
    const frames = end - start + 1;
    if (frames >= MIN_GRADUAL_FRAMES && frames <= maxLen && Math.abs(luma[end] - luma[start]) >= FLAT_RAMP_LUMA) {
      ramps.push({ kind: 'gradual', startFrame: start, endFrame: end });
    }
    j = last + 1;
  }
  return ramps;
}

/**
 * Fades through black or white: a run of blank frames (no contrast) entered or left by a steady
 * change of contrast. The span runs from where the contrast starts to fall to where it stops
 * rising; a blank run longer than `span` splits it in two. A blank run entered and left by cuts
 * (a black title card) is not a fade.
 */
function findFades(series: BoundarySeries, params: BoundaryParams): Transition[] {
  const { contrast, luma } = series;
  const blank = (i: number) => contrast[i] < BLANK_CONTRAST && (luma[i] < BLACK_LUMA || luma[i] > WHITE_LUMA);
  const maxRamp = Math.round(MAX_GRADUAL_SEC * params.fps);
  const fades: Transition[] = [];
  let i = 0;
  while (i < contrast.length) {
    if (!blank(i)) {
      i++;
      continue;
    }
    const b0 = i;
    while (i + 1 < contrast.length && blank(i + 1)) i++;
    const b1 = i++;
    // How far each frame is from the blank: a fade raises both the contrast and the distance of
    // the mean luma from black (or white) steadily, into a busy picture or a flat colour alike.
    const away = (j: number, from: number) => contrast[j] + Math.abs(luma[j] - luma[from]);
    const s = b0 - rampLength((j) => away(j, b0), b0, -1, Math.min(maxRamp, b0));
    const e = b1 + rampLength((j) => away(j, b1), b1, 1, Math.min(maxRamp, contrast.length - 1 - b1));
    if (b1 - b0 + 1 <= series.span) {
      if (b0 - s + (e - b1) >= MIN_GRADUAL_FRAMES) fades.push({ kind: 'gradual', startFrame: s, endFrame: e });
      continue;
    }
    // A long hold of black or white between the ramps is a shot of its own: the fade out ends
    // where it starts, the fade in starts where it ends.
    if (b0 - s + 1 >= MIN_GRADUAL_FRAMES) fades.push({ kind: 'gradual', startFrame: s, endFrame: b0 });
    if (e - b1 + 1 >= MIN_GRADUAL_FRAMES) fades.push({ kind: 'gradual', startFrame: b1, endFrame: e });
  }
  return fades;
}

/**
 * Frames of a steady rise of `away` (the distance from the blank) leading from the blank frame
 * `from` in direction `dir`, at most `maxRamp`. A fade raises it by about the same amount each
 * frame; the ramp ends where the rise drops well below its average so far (the shot's own slow
 * drift is not part of the fade).
 */
function rampLength(away: (j: number) => number, from: number, dir: 1 | -1, maxRamp: number): number {
  let n = 0;
  for (; n < maxRamp; n++) {
    const cur = away(from + n * dir);
    const next = away(from + (n + 1) * dir);
    if (!(next > cur * RAMP_STEP)) break;
    if (n >= 2 && next - cur < RAMP_SLOWDOWN * ((cur - away(from)) / n)) break;
  }
  return n;
}

/** Whether two transitions share a frame. */
export function overlaps(a: Transition, b: Transition): boolean {
  return a.startFrame <= b.endFrame && b.startFrame <= a.endFrame;
}

/** Where a fade and a long-range change overlap, the fade's span (measured on contrast) is the sharper one. */
function preferFades(changes: Transition[], fades: Transition[]): Transition[] {
  return [...changes.filter((c) => !fades.some((f) => overlaps(c, f))), ...fades].sort((a, b) => a.startFrame - b.startFrame);
}

/**
 * Whether frame i starts or ends a brief burst of light: a run of at most `maxLen` frames all
 * much brighter (or darker) than the frames just before and after it, which agree with each
 * other again. Under fast motion the picture may not match across a flash, but the light does.
 */
function edgeOfLightBurst(luma: Float32Array, i: number, maxLen: number): boolean {
  for (let len = 1; len < maxLen; len++) {
    if (isLightBurst(luma, i, i + len - 1) || isLightBurst(luma, i - len, i - 1)) return true;
  }
  return false;
}

function isLightBurst(luma: Float32Array, first: number, last: number): boolean {
  if (first < 1 || last + 1 >= luma.length) return false;
  const before = luma[first - 1];
  const after = luma[last + 1];
  let lowest = Infinity;
  let highest = -Infinity;
  for (let j = first; j <= last; j++) {
    lowest = Math.min(lowest, luma[j]);
    highest = Math.max(highest, luma[j]);
  }
  const height = Math.max(lowest - Math.max(before, after), Math.min(before, after) - highest);
  return height >= BURST_LUMA && Math.abs(after - before) <= BURST_RETURN * height;
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
export function combineTransitions(cuts: number[], gradual: Transition[], margin: number, minShot: number): Transition[] {
  const inside = (c: number) => gradual.some((g) => c >= g.startFrame - margin && c <= g.endFrame + 1 + margin);
  const all: Transition[] = [
    ...cuts.filter((c) => !inside(c)).map((c): Transition => ({ kind: 'cut', startFrame: c, endFrame: c })),
    ...gradual,
  ];
  return mergeBriefShots(all.sort((a, b) => a.startFrame - b.startFrame), minShot);
}

/**
 * Cuts fewer than `minShot` frames apart are one transition: a picture shown that briefly is no
 * shot of its own but a moment of a change (a dissolve found as two cuts, an object popping in and
 * out, a burst of motion graphics), reported as one span over the brief picture. A cut next to a
 * gradual transition stays: a cut to black before a fade in is two events.
 */
function mergeBriefShots(transitions: Transition[], minShot: number): Transition[] {
  const merged: Transition[] = [];
  // Spans made here from runs of cuts: the run's last cut is the frame after the span.
  const runs = new Set<Transition>();
  for (const t of transitions) {
    const last = merged.at(-1);
    const lastCut = !last ? undefined : last.kind === 'cut' ? last.startFrame : runs.has(last) ? last.endFrame + 1 : undefined;
    if (t.kind === 'cut' && lastCut !== undefined && t.startFrame - lastCut < minShot) {
      const run: Transition = { kind: 'gradual', startFrame: last!.startFrame, endFrame: t.startFrame - 1 };
      runs.add(run);
      merged[merged.length - 1] = run;
    } else merged.push(t);
  }
  return merged;
}
