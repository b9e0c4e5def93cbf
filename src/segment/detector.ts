/**
 * Shot-boundary detector fed frame by frame from the pipeline's single decode pass. It keeps a
 * bounded ring of frame signatures (a few KB each, the last 7 s or so of frames,
 * whatever the video's length) and about a dozen scalars per frame. Frames that repeat the picture before
 * them (a cadence of repeats) get no step. Cut candidates are checked and gradual transitions
 * decided while streaming, a bounded number of frames behind the newest (they need the
 * signatures); cuts and fades are decided in `finish` over the scalars, and there every boundary
 * the rules found is scored by the learned verifier (verifier.ts), which may veto it.
 */
import {
  computeSignature,
  copySignature,
  frameDistanceBelow,
  motionCompensatedDistance,
  newSignature,
  structureDistance,
  type ShotSignature,
} from '../analysis/shot-features.js';
import { FrameTimes } from '../media/frame-times.js';
import type { Frame } from '../media/frames.js';
import type { Shot, Transition } from '../types.js';
import { blankFades, combineTransitions, findCuts, gradualTransitions, overlaps, type BoundarySeries } from './boundaries.js';
import { boundaryFeatures } from './boundary-features.js';
import { CutCandidates } from './cut-candidates.js';
import { GradualScanner } from './gradual.js';
import { FloatSeries } from './series.js';
import { tileShots } from './shots.js';
import { shippedVerifier, VERIFIER_KEEP, type BoundaryVerifier } from './verifier.js';

export interface ShotDetectorOptions {
  /** Average frame rate: sets the window lengths (timestamps come from the frames). */
  fps: number;
  /** Sensitivity multiplier (SegmentConfig.threshold): lower finds more boundaries. */
  threshold?: number;
  /** Frame times store to fill; pass one to share it with clip planning. A new one otherwise. */
  times?: FrameTimes;
  /** The learned check of each boundary the rules find (the shipped model by default); null keeps them all (the rules alone). */
  verifier?: BoundaryVerifier | null;
}

/** A boundary the rules found, what the verifier saw of it, its score (1 without a verifier) and whether it stays. */
export interface BoundaryCandidate {
  transition: Transition;
  features: number[];
  score: number;
  kept: boolean;
}

/** Seconds compared by the long-range (gradual transition) distance. */
const GRADUAL_WINDOW_SEC = 0.5;
/**
 * A second, longer window: over a dissolve of more than about twice the first window the picture
 * changes within 0.5 s little more than the motion in the shots changes it, so only the longer
 * comparison makes the dissolve stand out.
 */
const SLOW_GRADUAL_WINDOW_SEC = 1;
/** Shortest shot: boundaries closer than this are one transition (see combineTransitions). */
const MIN_SHOT_SEC = 0.5;
/** Longest flash or light burst that must not count as a cut, seconds. */
const FLASH_SEC = 0.3;
/**
 * A frame this close to the one before (whole-picture distance) repeats its picture: animation on
 * twos, 16.7 fps carried in 25, game capture, timelapse. Its step is not measured (NaN), so the
 * local level of the steps is that of the picture's real changes, not pulled down by repeats.
 */
const REPEAT_MAX = 0.005;

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
  /** Structure step to the previous picture (blind to flicker; NaN on a repeat). */
  private readonly structureStep = new FloatSeries();
  private readonly contrast = new FloatSeries();
  private readonly luma = new FloatSeries();
  private readonly candidates: CutCandidates;
  private readonly verifier: BoundaryVerifier | null;
  /** Gradual transitions over the 0.5 s window (whose distances the verifier reads too) and the 1 s one. */
  private readonly gradual: GradualScanner;
  private readonly slowGradual: GradualScanner;
  /** Both scanners, for what is done to each alike. */
  private readonly scanners: readonly GradualScanner[];

  constructor(opts: ShotDetectorOptions) {
    this.fps = opts.fps > 0 && Number.isFinite(opts.fps) ? opts.fps : 25;
    this.threshold = opts.threshold ?? 1;
    this.times = opts.times ?? new FrameTimes();
    this.verifier = opts.verifier === undefined ? shippedVerifier() : opts.verifier;
    this.span = Math.max(6, Math.round(GRADUAL_WINDOW_SEC * this.fps));
    this.flashFrames = Math.max(3, Math.round(FLASH_SEC * this.fps));
    this.candidates = new CutCandidates({
      step: this.step,
      structureStep: this.structureStep,
      sig: (i) => this.sig(i),
      flashFrames: this.flashFrames,
      maxShort: this.span,
      threshold: this.threshold,
    });
    const scanner = (span: number) => new GradualScanner({ step: this.step, sig: (i) => this.sig(i), span, fps: this.fps, threshold: this.threshold });
    this.gradual = scanner(this.span);
    this.slowGradual = scanner(Math.max(2 * this.span, Math.round(SLOW_GRADUAL_WINDOW_SEC * this.fps)));
    this.scanners = [this.gradual, this.slowGradual];
  }

  /** Analyses one frame; `frame.data` is not kept. Frames must arrive in order. */
  push(frame: Frame): void {
    const n = this.count;
    if (!this.current) this.allocate(frame.width, frame.height);
    const sig = this.current!;
    computeSignature(frame.data, frame.width, frame.height, sig);
    this.times.push(frame.time);

    const repeat = n > 0 && frameDistanceBelow(this.sig(n - 1), sig, REPEAT_MAX) < REPEAT_MAX;
    const stepValue = n === 0 ? 0 : repeat ? Number.NaN : motionCompensatedDistance(this.sig(n - 1), sig);
    this.step.set(n, stepValue);
    this.structureStep.set(n, n === 0 ? 0 : repeat ? Number.NaN : structureDistance(this.sig(n - 1), sig));
    this.contrast.set(n, sig.contrast);
    this.luma.set(n, sig.meanLuma);
    copySignature(sig, this.sig(n));
    this.count++;

    if (n > 0) this.candidates.push(n, stepValue, n);
    for (const g of this.scanners) {
      g.measure(n);
      g.advance(n, false);
    }
  }

  finish(): { shots: Shot[]; transitions: Transition[]; candidates: BoundaryCandidate[] } {
    this.candidates.finish(this.count - 1);
    for (const g of this.scanners) g.advance(this.count - 1, true);
    const series: BoundarySeries = {
      step: this.step.view(),
      structureStep: this.structureStep.view(),
      structureSeparation: this.candidates.structureSeparation.view(),
      structureAcross: this.candidates.structureAcross.view(),
      across: this.candidates.across.view(),
      colourReturn: this.candidates.colourReturn.view(),
      separation: this.candidates.separation.view(),
      histSeparation: this.candidates.histSeparation.view(),
      changed: this.candidates.changed.view(),
      contrast: this.contrast.view(),
      luma: this.luma.view(),
      span: this.span,
    };
    const params = { fps: this.fps, threshold: this.threshold };
    const cuts = findCuts(series, params);
    const fades = blankFades(series, params);
    const found = combineTransitions(cuts, gradualTransitions(this.changes(), fades, this.span), GradualScanner.edgeMargin(this.span), Math.round(MIN_SHOT_SEC * this.fps));
    const withLong = { ...series, long: this.gradual.long.view(), longHist: this.gradual.longHist.view() };
    const candidates = found.map((transition, k): BoundaryCandidate => {
      const features = boundaryFeatures(withLong, transition, this.fps, found[k - 1]);
      const score = this.verifier ? this.verifier.score(features) : 1;
      // A fade over blank frames is no look-alike of motion: the verifier does not veto it.
      const blank = fades.some((f) => overlaps(f, transition));
      return { transition, features, score, kept: blank || score >= VERIFIER_KEEP };
    });
    const transitions = candidates.filter((c) => c.kept).map((c) => c.transition);
    return { shots: tileShots(this.count, transitions, this.times), transitions, candidates };
  }

  /** Gradual changes found while streaming (long-range and short ones), in frame order. */
  private changes(): Transition[] {
    return [...this.scanners.flatMap((g) => g.found), ...this.candidates.shortTransitions].sort((a, b) => a.startFrame - b.startFrame);
  }

  private allocate(width: number, height: number): void {
    this.current = newSignature(width, height);
    const size = Math.max(GradualScanner.lookback(this.slowGradual.span, this.fps), CutCandidates.lookback(this.flashFrames, this.span)) + 2;
    this.ring = Array.from({ length: size }, () => newSignature(width, height));
  }

  private sig(i: number): ShotSignature {
    return this.ring[i % this.ring.length];
  }
}
