/**
 * Gradual transitions (dissolves, wipes, slow crossfades), found while the frames stream in.
 *
 * A candidate is a run of frames whose distance to the frame `span` earlier rises well above the
 * level of the frames before it. It is kept only if it looks like one picture giving way to
 * another: the frames just before and just after it differ far more than the content moves on
 * either side (so steady motion, zooms and a video's first frames do not count), no single step
 * carries the change (that is a cut), and the frames inside move steadily away from the frame
 * before and towards the frame after (a flash or a burst of motion does not).
 *
 * Decisions lag the newest frame by a bounded number of frames, so the detector needs only a
 * bounded ring of signatures (see `GradualScanner.lookback`).
 */
import { frameDistance, histDistance, isMixOf, type ShotSignature, type SignatureDistance } from '../analysis/shot-features.js';
import type { Transition } from '../types.js';
import { FloatSeries } from './series.js';
import { medianOf, quantile } from './stats.js';

export interface GradualInputs {
  /** Motion-compensated distance of frame i to frame i-1. */
  step: FloatSeries;
  /** Signature of a recent frame (within `lookback` of the newest). */
  sig: (i: number) => ShotSignature;
  span: number;
  fps: number;
  threshold: number;
}

/** The long-range distance must reach this, and this multiple of the usual level before it. */
const TRIGGER_MIN = 0.12;
const TRIGGER_FACTOR = 2;
/** Low quantile of the recent long-range distance: the "nothing is happening" level. */
const LEVEL_QUANTILE = 0.3;
/** The transition starts where the distance rises above this share of its rise over the level. */
const EDGE_SHARE = 0.3;
/** ...and ends where the distance to the frame before it reaches this share of where it settles. */
const PLATEAU_SHARE = 0.9;
/** Shortest and longest transitions looked for, seconds. */
const MIN_GRADUAL_SEC = 0.2;
const MIN_GRADUAL_FRAMES = 4;
const MAX_GRADUAL_SEC = 2;
/** The frames around a transition differ by at least this multiple of the motion on the calmer side... */
const CHANGE_FACTOR = 2.5;
/** ...and (whole-picture distance) by at least this multiple of the motion on the busier side. */
const BUSY_FACTOR = 1.2;
/**
 * No single step in the span, or just before it (where a cut next to it would be merged into it),
 * may carry more than this share of the change: that is a cut, and the span only motion after it.
 */
const MAX_STEP_SHARE = 0.5;
/** Interior frames sampled for the progress check, and how much backsliding is tolerated. */
const PROGRESS_SAMPLES = 5;
const PROGRESS_SLACK = 0.15;
/** Across the samples, the distance to the frame before must grow (and to the frame after shrink) by this share. */
const PROGRESS_MIN = 0.3;

/**
 * Frames inside a transition are mixes of the frames around it (a blend, or parts of each), up to
 * this share of their difference (see isMixOf). Pans and zooms, whose steady progress and large
 * change look like a slow transition, show content at new places and stay well above it.
 */
const MAX_MIX_RESIDUAL = 0.3;
/** Margins over the motion on both sides, in both layout and colours, that need no mix check: each, and the two together. */
const CLEAR_MARGIN = 1.1;
const CLEAR_SUM = 3;
/** Frames inside the span checked for being mixes. */
const MIX_SAMPLES = 3;

/** A frame where a long-range distance rises: which one, and the level its run stays above. */
interface Rise {
  series: FloatSeries;
  distance: SignatureDistance;
  lo: number;
}

export class GradualScanner {
  readonly found: Transition[] = [];
  /** Distance of frame i to frame i-span (NaN for the first `span` frames). */
  readonly long = new FloatSeries();
  /** The colour-histogram part of `long`: blind to layout, so fast motion barely moves it. */
  readonly longHist = new FloatSeries();
  private next: number;
  /** A transition starts no earlier than this: frames before it were decided. */
  private floor: number;
  private readonly maxRun: number;
  private readonly minFrames: number;
  private readonly context: number;
  private readonly stride: number;

  constructor(private readonly src: GradualInputs) {
    this.next = src.span;
    this.floor = src.span;
    this.maxRun = GradualScanner.maxRun(src.span, src.fps);
    this.minFrames = Math.max(MIN_GRADUAL_FRAMES, Math.round(MIN_GRADUAL_SEC * src.fps));
    this.context = this.maxRun + src.span;
    this.stride = Math.max(1, Math.floor(src.span / 4));
  }

  /** Frames between the two compared by the long-range distance. */
  get span(): number {
    return this.src.span;
  }

  /** How many frames behind the newest the scanner may read a signature. */
  static lookback(span: number, fps: number): number {
    return GradualScanner.maxRun(span, fps) + 4 * span + 3;
  }

  /** Frames next to a span within which a cut counts as the span's ragged edge. */
  static edgeMargin(span: number): number {
    return Math.max(2, Math.round(span / 4));
  }

  private static maxRun(span: number, fps: number): number {
    return span + Math.round(MAX_GRADUAL_SEC * fps);
  }

  /** Measures frame n (whose signature `sig(n)` now holds) against the frame `span` before it. */
  measure(n: number): void {
    const { sig, span } = this.src;
    this.long.set(n, n >= span ? frameDistance(sig(n - span), sig(n)) : Number.NaN);
    this.longHist.set(n, n >= span ? histDistance(sig(n - span), sig(n)) : Number.NaN);
  }

  /** Decides every frame it can, given frames up to `last` (all frames when `final`). */
  advance(last: number, final: boolean): void {
    while (this.next <= last) {
      const next = this.examine(this.next, last, final);
      if (next === undefined) return;
      this.next = next;
    }
  }

  /** Examines frame i: the next frame to examine, or undefined while later frames are needed. */
  private examine(i: number, last: number, final: boolean): number | undefined {
    const { long, longHist } = this;
    const { span } = this.src;
    // Colours alone may stand out where fast motion keeps the whole-picture distance high.
    const rise = this.risesAt(long, frameDistance, i) ?? this.risesAt(longHist, histDistance, i);
    if (!rise) return i + 1;
    let start = i;
    while (start - 1 >= this.floor && rise.series.at(start - 1) >= rise.lo) start--;
    // The end is where the picture stops moving away from the frame before the start: the
    // distance to it levels off once the new shot is in. (The long-range distance itself may stay
    // high after the transition when the new shot moves more than the old one.) The start is then
    // found the same way backwards from the frame after the end, which leaves out a flash or a
    // burst of motion just before the transition that the rise of the distance took in.
    const horizon = start + this.maxRun;
    if (!final && last < horizon + 2 * span) return undefined;
    const end = this.settlesAt(rise.distance, start - 1, start, Math.min(horizon, last)) - 1;
    if (end >= start) start = this.settlesAt(rise.distance, end + 1, end, Math.max(this.floor, start - span)) + 1;
    // A rejected rise does not hide a transition that follows closely: scanning goes on, in steps
    // short enough not to skip one (a transition keeps the distance raised for at least `span` frames).
    if (!this.accepts(start, end, last)) return i + this.stride;
    this.found.push({ kind: 'gradual', startFrame: start, endFrame: end });
    // The distance stays raised for `span` frames after the end: those compare across it.
    this.floor = Math.max(i, end) + span + 1;
    return this.floor;
  }

  /**
   * Whether `series` (measured with `distance`) at frame i rises well above its usual level over
   * the frames before i; if so, the value the run of raised frames around i stays above.
   */
  private risesAt(series: FloatSeries, distance: SignatureDistance, i: number): Rise | undefined {
    const { span, threshold } = this.src;
    const v = series.at(i);
    if (!(v >= threshold * TRIGGER_MIN)) return undefined;
    const history = this.quietValues(series, i - this.context, i);
    // Without enough past frames the usual level is unknown: a video's first moments are left
    // to the fade finder (which needs no history) rather than guessed at.
    if (history.length < span) return undefined;
    const level = quantile(history, LEVEL_QUANTILE);
    if (v < threshold * Math.max(TRIGGER_MIN, TRIGGER_FACTOR * level)) return undefined;
    return { series, distance, lo: level + EDGE_SHARE * (v - level) };
  }

  /**
   * The finite values of `series` in [from, to) that do not compare across a transition already
   * found (its frames and the `span` after it): those are raised by it, and taken into the usual
   * level they would hide a second transition that follows at once (dissolves back to back).
   */
  private quietValues(series: FloatSeries, from: number, to: number): number[] {
    const { span } = this.src;
    // Found in frame order, so only the last few can reach into [from, to).
    const raised: Transition[] = [];
    for (let k = this.found.length - 1; k >= 0 && this.found[k].endFrame + span >= from; k--) raised.push(this.found[k]);
    return finiteValues(series, from, to, (j) => raised.some((t) => j >= t.startFrame && j <= t.endFrame + span));
  }

  /**
   * Walking from `from` to `to`, the first frame whose `distance` to frame `ref` reaches most of
   * the level it settles at: the highest median over `span` frames of the walk (not simply its
   * last frames, which may already be in the next transition).
   */
  private settlesAt(distance: SignatureDistance, ref: number, from: number, to: number): number {
    const { sig, span } = this.src;
    const dir = to >= from ? 1 : -1;
    const away: number[] = [];
    for (let t = from; t !== to + dir; t += dir) away.push(distance(sig(ref), sig(t)));
    let settled = 0;
    for (let k = span; k <= away.length; k += this.stride) settled = Math.max(settled, medianOf(away.slice(k - span, k)));
    const k = away.findIndex((d) => d >= PLATEAU_SHARE * settled);
    return from + dir * (k < 0 ? away.length - 1 : k);
  }

  private accepts(s: number, e: number, last: number): boolean {
    const { long, longHist } = this;
    const { step, sig, span, threshold } = this.src;
    const pre = s - 1;
    const post = e + 1;
    if (e - s + 1 < this.minFrames || post > last) return false;
    const change = frameDistance(sig(pre), sig(post));
    // Either the whole picture or its colours alone must change far more than they do within the
    // shots on either side. Colours hold still within a shot, so theirs must stand out on both
    // sides; fast motion saturates the whole-picture distance, so a busy side needs less margin.
    // Each margin is the change over what it must reach (1: just enough).
    const margin = (series: FloatSeries, value: number, busyFactor: number) => {
      const levels = [before(series), after(series)].sort((a, b) => a - b);
      return value / (threshold * Math.max(TRIGGER_MIN, CHANGE_FACTOR * levels[0], busyFactor * levels[1]));
    };
    const before = (series: FloatSeries) => medianOf(finiteValues(series, s - span, s));
    const after = (series: FloatSeries) => medianOf(finiteValues(series, post + span, Math.min(last + 1, post + 2 * span)));
    const layout = margin(long, change, BUSY_FACTOR);
    const colour = margin(longHist, histDistance(sig(pre), sig(post)), CHANGE_FACTOR);
    if (!(layout >= 1 || colour >= 1)) return false;
    for (let j = s - GradualScanner.edgeMargin(span); j <= post; j++) if (step.at(j) > MAX_STEP_SHARE * change) return false;
    if (!steadyProgress(sig, pre, post, change)) return false;
    // A change that stands out in both layout and colours is a transition even where its frames are
    // not mixes (a wipe over fast motion); one that stands out in only one must look like a mix
    // too (a fast pan moves the layout, and often the colours a little, much as a transition does).
    const clear = Math.min(layout, colour) >= CLEAR_MARGIN && layout + colour >= CLEAR_SUM;
    return clear || mixesEvenly(sig, pre, post);
  }

}

/**
 * Frames sampled inside (pre, post) move away from `pre` and towards `post`, each sample no
 * more than a little behind the one before, and by a fair share of the change overall.
 */
function steadyProgress(sig: (i: number) => ShotSignature, pre: number, post: number, change: number): boolean {
  const slack = PROGRESS_SLACK * change;
  let first: { from: number; to: number } | undefined;
  let prev: { from: number; to: number } | undefined;
  for (let k = 1; k <= PROGRESS_SAMPLES; k++) {
    const t = pre + Math.round((k * (post - pre)) / (PROGRESS_SAMPLES + 1));
    const cur = { from: frameDistance(sig(pre), sig(t)), to: frameDistance(sig(t), sig(post)) };
    if (prev && (cur.from < prev.from - slack || cur.to > prev.to + slack)) return false;
    first ??= cur;
    prev = cur;
  }
  return prev!.from - first!.from >= PROGRESS_MIN * change && first!.to - prev!.to >= PROGRESS_MIN * change;
}

function finiteValues(series: FloatSeries, from: number, to: number, skip?: (frame: number) => boolean): number[] {
  const values: number[] = [];
  for (let j = Math.max(0, from); j < Math.min(series.length, to); j++) {
    if (skip?.(j)) continue;
    const v = series.at(j);
    if (Number.isFinite(v)) values.push(v);
  }
  return values;
}

/** Whether every frame sampled evenly inside (pre, post) is a mix of them (isMixOf, to within MAX_MIX_RESIDUAL). */
function mixesEvenly(sig: (i: number) => ShotSignature, pre: number, post: number): boolean {
  for (let k = 1; k <= MIX_SAMPLES; k++) {
    const t = pre + Math.round((k * (post - pre)) / (MIX_SAMPLES + 1));
    if (!isMixOf(sig(pre), sig(t), sig(post), MAX_MIX_RESIDUAL)) return false;
  }
  return true;
}
