/**
 * Checks of the frames whose step to the previous picture stands out (cut candidates), made while
 * the frames stream in, a few frames behind the newest, because they need the signatures:
 *
 * - flash: whether the pictures on both sides match again within a moment (a flash, a light burst);
 * - two-sided separation: whether the pictures across the candidate differ more than the pictures
 *   within each side (motion, shake and a dropped frame move them as much within a side as across);
 * - changed share: how much of the picture changes (a title or an object popping in changes a part);
 * - short transitions: where the candidate is one of a run of raised steps that together separate
 *   two shots (a quick dissolve of a few frames), the run is one gradual transition, not cuts.
 *
 * The results are per-frame series (NaN where not measured) that `findCuts` reads at the end.
 */
import {
  changedShare,
  frameDistanceBelow,
  histDistance,
  isMixOf,
  motionCompensatedDistance,
  structureDistance,
  type ShotSignature,
  type SignatureDistance,
} from '../analysis/shot-features.js';
import type { Transition } from '../types.js';
import { FloatSeries } from './series.js';
import { medianOf } from './stats.js';

/** Colour-histogram jump at a frame above which a flash may be recognised by its colours coming back. */
const FLASH_COLOUR_JUMP = 0.15;
/** Recent steps that set the bar for checking a frame as a cut candidate (a cheap pre-filter). */
const GATE_FRAMES = 16;
/** A cut (or a step of a short transition) needs at least this step distance, whatever the local level. */
export const CUT_MIN = 0.06;
/** Distinct pictures on each side of a candidate that the two-sided separation test compares. */
const SIDE_PICTURES = 3;
/**
 * Two-sided separation a cut needs: the pictures across it differ this many times more than the
 * pictures within either side, in layout or in colours.
 */
export const CUT_SEPARATION = 1.5;
export const CUT_COLOUR_SEPARATION = 2.5;
/** A structure step a cut candidate needs (a cut's is near 1: the shapes are unrelated). */
export const STRUCTURE_CUT_MIN = 0.3;
/** Two-sided separation in structure that a cut under flicker needs (see findCuts). */
export const STRUCTURE_SEPARATION = 1.5;
/** Structure distances within a side below this count as this much (a still side is not infinitely calm). */
const STRUCTURE_FLOOR = 0.05;
/** Steps at least this share of the candidate's belong to the same short transition. */
const RAISED_SHARE = 0.4;
/** Raised steps in a short transition: at least two frames mixing the shots (one could be a dropped frame). */
const MIN_SHORT_GAP = 3;
/** The pictures around a short transition differ this many times more than pictures as far apart within each side. */
const SHORT_SEPARATION = 2;
/** No step of a short transition carries more than this share of its change. */
const MAX_STEP_SHARE = 0.5;
/** Frames inside a short transition are mixes of the pictures around it, up to this share of their difference. */
const SHORT_MIX_RESIDUAL = 0.3;

export interface CandidateInputs {
  /** Motion-compensated step of frame i from the frame before (NaN: a repeat of it). */
  step: FloatSeries;
  /** Structure step of frame i (NaN on a repeat): flicker barely moves it. */
  structureStep: FloatSeries;
  sig: (i: number) => ShotSignature;
  /** Longest flash, frames. */
  flashFrames: number;
  /** Longest short transition, frames. */
  maxShort: number;
  threshold: number;
}

export class CutCandidates {
  /** Smallest distance across the candidate over a short window (a flash comes back). */
  readonly across = new FloatSeries();
  /** Where the colours jump: how far they come back, as a share of the jump. */
  readonly colourReturn = new FloatSeries();
  readonly separation = new FloatSeries();
  readonly histSeparation = new FloatSeries();
  /** Two-sided separation in structure (brightness and contrast removed). */
  readonly structureSeparation = new FloatSeries();
  /** Smallest structure distance across the candidate over a short window (a flash comes back). */
  readonly structureAcross = new FloatSeries();
  readonly changed = new FloatSeries();
  /** Short transitions found (runs of raised steps separating two shots). */
  readonly shortTransitions: Transition[] = [];
  /** Frames to check, and whether the plain step raised them (only those may be part of a short transition). */
  private pending: { frame: number; byStep: boolean }[] = [];
  private recentSteps: number[] = [];
  private recentStructureSteps: number[] = [];

  constructor(private readonly src: CandidateInputs) {}

  /** How many frames behind the newest a check may read a signature. */
  static lookback(flashFrames: number, maxShort: number): number {
    return 2 * flashFrames + 3 * maxShort + 4 * SIDE_PICTURES;
  }

  /** Frames after a candidate that its checks need. */
  private get ahead(): number {
    return Math.max(this.src.flashFrames, 2 * this.src.maxShort + 2, 4 * SIDE_PICTURES);
  }

  /** Notes frame n's (non-repeat) step; checks every candidate whose later frames are in, given frames up to `last`. */
  push(n: number, stepValue: number, last: number): void {
    if (Number.isFinite(stepValue)) {
      // Both gates see every step (each keeps its recent level); either may raise a candidate.
      const raised = this.standsOut(stepValue, this.recentSteps, CUT_MIN);
      const structureRaised = this.standsOut(this.src.structureStep.at(n), this.recentStructureSteps, STRUCTURE_CUT_MIN);
      if (raised || structureRaised) this.pending.push({ frame: n, byStep: raised });
    }
    this.check(last, false);
  }

  finish(last: number): void {
    this.check(last, true);
  }

  /** Cheap test of whether a step is worth checking: above the recent typical step (only checked frames can be cuts). */
  private standsOut(value: number, recent: number[], min: number): boolean {
    const typical = recent.length ? medianOf(recent) : 0;
    recent.push(value);
    if (recent.length > GATE_FRAMES) recent.shift();
    return value >= min * this.src.threshold && value > typical;
  }

  private check(last: number, final: boolean): void {
    while (this.pending.length && (final || this.pending[0].frame + this.ahead - 1 <= last)) {
      const { frame: c, byStep } = this.pending.shift()!;
      if (c < 1) continue;
      const sep = this.separationBetween(c - 1, c, last);
      this.separation.set(c, sep.layout);
      this.histSeparation.set(c, sep.colour);
      this.structureSeparation.set(c, sep.structure);
      this.changed.set(c, changedShare(this.src.sig(c - 1), this.src.sig(c)));
      // The structure flash check is costly (shifted distances) and read only where the structure separates.
      this.checkFlash(c, last, Math.fround(sep.structure) >= STRUCTURE_SEPARATION);
      if (byStep && !separates(sep)) this.checkShortTransition(c, last);
    }
  }

  /**
   * For a candidate at c: the smallest distance between a frame shortly before c and a frame
   * shortly after, at most the longest flash apart. A flash (or a brief light change) returns to
   * the earlier picture, so some pair matches again; across a real cut none does. Under fast motion
   * the layout may not match again, but the colours do: where the colours jump at c, also how far
   * they come back.
   */
  private checkFlash(c: number, last: number, structure: boolean): void {
    const { sig, flashFrames: f } = this.src;
    let min = Infinity;
    let minHist = Infinity;
    let minStructure = Infinity;
    for (let a = 1; a <= f && c - a >= 0; a++) {
      for (let b = 0; a + b <= f && c + b <= last; b++) {
        min = Math.min(min, frameDistanceBelow(sig(c - a), sig(c + b), min));
        if (structure) minStructure = Math.min(minStructure, structureDistance(sig(c - a), sig(c + b)));
        if (b > 0) minHist = Math.min(minHist, histDistance(sig(c - a), sig(c + b)));
      }
    }
    this.across.set(c, min);
    if (structure) this.structureAcross.set(c, minStructure);
    const colourJump = histDistance(sig(c - 1), sig(c));
    this.colourReturn.set(c, colourJump >= FLASH_COLOUR_JUMP ? minHist / colourJump : Number.NaN);
  }

  /**
   * A candidate that does not separate its neighbours may be inside a quick dissolve: a run of
   * raised steps around it, from frame s to frame e, that ends on both sides within `maxShort`
   * frames. It is a transition if the pictures at s-1 and e differ more than the pictures the
   * same number of frames apart within each side do (steady motion moves them about as much), and
   * the frame halfway is a mix of them. Reported once, as frames s..e-1.
   */
  private checkShortTransition(c: number, last: number): void {
    const { step, sig, maxShort } = this.src;
    if (this.shortTransitions.some((t) => c >= t.startFrame && c <= t.endFrame + 1)) return;
    const bar = RAISED_SHARE * step.at(c);
    const raised = (j: number) => step.at(j) >= bar;
    let s = c;
    let e = c;
    while (c - s <= maxShort && raised(s - 1)) s--;
    while (e - c <= maxShort && raised(e + 1)) e++;
    const gap = e - s + 1;
    if (gap < MIN_SHORT_GAP || gap > maxShort || s - 1 - gap < 0 || e + gap > last) return;
    // One step carrying most of the change is a cut (checked as one), not a transition.
    let largest = 0;
    for (let j = s; j <= e; j++) largest = Math.max(largest, step.at(j));
    if (largest > MAX_STEP_SHARE * motionCompensatedDistance(sig(s - 1), sig(e))) return;
    const ratio = (d: SignatureDistance) => d(sig(s - 1), sig(e)) / Math.max(0.01, d(sig(s - 1 - gap), sig(s - 1)), d(sig(e), sig(e + gap)));
    if (!(ratio(motionCompensatedDistance) >= SHORT_SEPARATION || ratio(histDistance) >= CUT_COLOUR_SEPARATION)) return;
    const mid = Math.round((s - 1 + e) / 2);
    if (!isMixOf(sig(s - 1), sig(mid), sig(e), SHORT_MIX_RESIDUAL)) return;
    this.shortTransitions.push({ kind: 'gradual', startFrame: s, endFrame: e - 1 });
  }

  /** Frames of the distinct pictures nearest a boundary, walking from `first` in direction `dir` (at most SIDE_PICTURES). */
  private sidePictures(first: number, dir: 1 | -1, last: number): number[] {
    const { step } = this.src;
    const frames: number[] = [first];
    const limit = 4 * SIDE_PICTURES;
    for (let j = first + dir; frames.length < SIDE_PICTURES && j >= 0 && j <= last && Math.abs(j - first) < limit; j += dir) {
      // A repeat (NaN step) shows the picture of the frame before it.
      if (Number.isFinite(step.at(dir < 0 ? j + 1 : j))) frames.push(j);
    }
    return frames;
  }

  /**
   * Two-sided separation between the picture at `before` (and the ones before it) and the picture
   * at `after` (and the ones after it): how much more they differ from each other than the pictures
   * within each side do (nearest picture to the next one or two). Measured on layout
   * (motion-compensated) and on colours alone.
   */
  private separationBetween(before: number, after: number, last: number): { layout: number; colour: number; structure: number } {
    const { sig } = this.src;
    const b = this.sidePictures(before, -1, last);
    const a = this.sidePictures(after, 1, last);
    const within = (side: number[], d: SignatureDistance) => side.slice(1).reduce((m, j) => Math.max(m, d(sig(side[0]), sig(j))), 0);
    const across = (d: SignatureDistance) => {
      let m = d(sig(b[0]), sig(a[0]));
      if (b.length > 1) m = Math.min(m, d(sig(b[1]), sig(a[0])));
      if (a.length > 1) m = Math.min(m, d(sig(b[0]), sig(a[1])));
      return m;
    };
    const ratio = (d: SignatureDistance, floor = 0.01) => across(d) / Math.max(floor, within(b, d), within(a, d));
    return { layout: ratio(motionCompensatedDistance), colour: ratio(histDistance), structure: ratio(structureDistance, STRUCTURE_FLOOR) };
  }
}

function separates(sep: { layout: number; colour: number }): boolean {
  return sep.layout >= CUT_SEPARATION || sep.colour >= CUT_COLOUR_SEPARATION;
}
