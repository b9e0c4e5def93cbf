/**
 * Shot-boundary detector fed frame by frame from the pipeline's single decode pass. It keeps a
 * bounded ring of frame signatures (a few KB each, the last 4.5 s or so of frames,
 * whatever the video's length) and seven scalars per frame. Gradual transitions are decided
 * while streaming, a bounded number of frames behind the newest (they need the signatures);
 * cuts and fades are decided in `finish` over the scalars.
 */
import {
  computeSignature,
  copySignature,
  frameDistance,
  histDistance,
  motionCompensatedDistance,
  newSignature,
  type ShotSignature,
} from '../analysis/shot-features.js';
import { FrameTimes } from '../media/frame-times.js';
import type { Frame } from '../media/frames.js';
import type { Shot, Transition } from '../types.js';
import { combineTransitions, findCuts, gradualTransitions, type BoundarySeries } from './boundaries.js';
import { GradualScanner } from './gradual.js';
import { FloatSeries } from './series.js';
import { tileShots } from './shots.js';
import { medianOf } from './stats.js';

export interface ShotDetectorOptions {
  /** Average frame rate: sets the window lengths (timestamps come from the frames). */
  fps: number;
  /** Sensitivity multiplier (SegmentConfig.threshold): lower finds more boundaries. */
  threshold?: number;
  /** Frame times store to fill; pass one to share it with clip planning. A new one otherwise. */
  times?: FrameTimes;
}

/** Seconds compared by the long-range (gradual transition) distance. */
const GRADUAL_WINDOW_SEC = 0.5;
/** Longest flash or light burst that must not count as a cut, seconds. */
const FLASH_SEC = 0.3;
/** Colour-histogram jump at a frame above which a flash may be recognised by its colours coming back. */
const FLASH_COLOUR_JUMP = 0.15;
/** Recent steps that set the bar for checking a frame for a flash (a cheap pre-filter). */
const FLASH_GATE_FRAMES = 16;

export class ShotDetector {
  readonly times: FrameTimes;
  private readonly fps: number;
  private readonly threshold: number;
  private readonly span: number;
  private readonly flashFrames: number;
  private ring: ShotSignature[] = [];
  private current: ShotSignature | undefined;
  private count = 0;
  private readonly step = new FloatSeries();
  private readonly across = new FloatSeries();
  private readonly colourReturn = new FloatSeries();
  private readonly long = new FloatSeries();
  /** Colour-histogram part of `long`: blind to layout, so fast motion barely moves it. */
  private readonly longHist = new FloatSeries();
  private readonly contrast = new FloatSeries();
  private readonly luma = new FloatSeries();
  /** Frames whose step stood out and still wait for enough later frames to be checked for a flash. */
  private pendingFlash: number[] = [];
  private recentSteps: number[] = [];
  private readonly gradual: GradualScanner;

  constructor(opts: ShotDetectorOptions) {
    this.fps = opts.fps > 0 && Number.isFinite(opts.fps) ? opts.fps : 25;
    this.threshold = opts.threshold ?? 1;
    this.times = opts.times ?? new FrameTimes();
    this.span = Math.max(6, Math.round(GRADUAL_WINDOW_SEC * this.fps));
    this.flashFrames = Math.max(3, Math.round(FLASH_SEC * this.fps));
    this.gradual = new GradualScanner({
      long: this.long,
      longHist: this.longHist,
      step: this.step,
      sig: (i) => this.sig(i),
      span: this.span,
      fps: this.fps,
      threshold: this.threshold,
    });
  }

  /** Analyses one frame; `frame.data` is not kept. Frames must arrive in order. */
  push(frame: Frame): void {
    const n = this.count;
    if (!this.current) this.allocate(frame.width, frame.height);
    const sig = this.current!;
    computeSignature(frame.data, frame.width, frame.height, sig);
    this.times.push(frame.time);

    const stepValue = n > 0 ? motionCompensatedDistance(this.sig(n - 1), sig) : 0;
    this.step.set(n, stepValue);
    this.long.set(n, n >= this.span ? frameDistance(this.sig(n - this.span), sig) : Number.NaN);
    this.longHist.set(n, n >= this.span ? histDistance(this.sig(n - this.span), sig) : Number.NaN);
    this.contrast.set(n, sig.contrast);
    this.luma.set(n, sig.meanLuma);
    copySignature(sig, this.sig(n));
    this.count++;

    if (n > 0 && this.standsOut(stepValue)) this.pendingFlash.push(n);
    this.checkFlashes(false);
    this.gradual.advance(n, false);
  }

  finish(): { shots: Shot[]; transitions: Transition[] } {
    this.checkFlashes(true);
    this.gradual.advance(this.count - 1, true);
    const series: BoundarySeries = {
      step: this.step.view(),
      across: this.across.view(),
      colourReturn: this.colourReturn.view(),
      contrast: this.contrast.view(),
      luma: this.luma.view(),
      span: this.span,
    };
    const params = { fps: this.fps, threshold: this.threshold };
    const cuts = findCuts(series, params);
    const transitions = combineTransitions(cuts, gradualTransitions(this.gradual.found, series, params), Math.max(2, Math.round(this.span / 4)));
    return { shots: tileShots(this.count, transitions, this.times), transitions };
  }

  private allocate(width: number, height: number): void {
    this.current = newSignature(width, height);
    const size = Math.max(GradualScanner.lookback(this.span, this.fps), 2 * this.flashFrames) + 2;
    this.ring = Array.from({ length: size }, () => newSignature(width, height));
  }

  private sig(i: number): ShotSignature {
    return this.ring[i % this.ring.length];
  }

  /** Cheap test of whether a step is worth a flash check: well above the recent typical step. */
  private standsOut(value: number): boolean {
    const recent = this.recentSteps;
    const typical = recent.length ? medianOf(recent) : 0;
    recent.push(value);
    if (recent.length > FLASH_GATE_FRAMES) recent.shift();
    return value > 0.03 * this.threshold && value > 1.5 * typical;
  }

  /**
   * For a candidate cut at frame c: the smallest distance between a frame shortly before c and a
   * frame shortly after, at most FLASH_SEC apart. A flash (or a brief light change) returns to the earlier picture, so some
   * pair matches again; across a real cut none does. Under fast motion the layout may not match
   * again, but the colours do: where the colours jump at c, also how far they come back.
   */
  private checkFlashes(final: boolean): void {
    const last = this.count - 1;
    const f = this.flashFrames;
    while (this.pendingFlash.length && (final || this.pendingFlash[0] + f - 1 <= last)) {
      const c = this.pendingFlash.shift()!;
      let min = Infinity;
      let minHist = Infinity;
      for (let a = 1; a <= f && c - a >= 0; a++) {
        for (let b = 0; a + b <= f && c + b <= last; b++) {
          min = Math.min(min, frameDistance(this.sig(c - a), this.sig(c + b)));
          if (b > 0) minHist = Math.min(minHist, histDistance(this.sig(c - a), this.sig(c + b)));
        }
      }
      this.across.set(c, min);
      const colourJump = histDistance(this.sig(c - 1), this.sig(c));
      this.colourReturn.set(c, colourJump >= FLASH_COLOUR_JUMP ? minHist / colourJump : Number.NaN);
    }
  }
}
