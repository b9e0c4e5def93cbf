/**
 * How the picture changes over time, on the 32x32 grid of cell means (each cell averages many
 * analysis pixels, so codec and sensor noise mostly cancel while an edge moving through a cell
 * still shifts its mean). Two views, both looking further back than the previous frame:
 *
 * - still runs: a run keeps its first frame as an anchor and lasts while no cell has moved away
 *   from it by more than STILL_CELL_DIFF. Slow motion adds up against the anchor and ends the run;
 *   a cadence of exact repeats (animation on twos, 15 fps in 30 fps) ends it at every new picture.
 *   Only a run lasting FROZEN_MIN_SEC means the picture stopped (ffmpeg's freezedetect also keeps
 *   a reference frame, but compares whole-frame means, so a small moving object goes unseen).
 * - local motion: the largest cell change between the mean picture of the last WINDOW_SEC and the
 *   mean picture LAG_SEC before it, less what noise alone would give. Averaging over a window
 *   damps frame-to-frame noise and repeats; the lag lets slow motion accumulate; the largest cell
 *   finds motion in a small region. Noise is measured as the median cell change from the previous
 *   frame (most cells of a real picture barely move in one frame, but all of them carry noise).
 * - camera and scene motion: the same two window means, the shift of the whole picture between
 *   them (camera-shift.ts) and the local motion left once that shift is followed. Measured on
 *   every CAMERA_EVERY-th frame (a camera moves smoothly, and the search costs more).
 */
import { FrameTimes } from '../media/frame-times.js';
import { FloatSeries } from '../segment/series.js';
import { medianOf } from '../segment/stats.js';
import { cameraShift } from './camera-shift.js';
import { THUMB } from './phash.js';

const CELLS = THUMB * THUMB;
/** Largest change of a cell mean (luma levels) that still counts as the same picture. */
const STILL_CELL_DIFF = 2;
/** A still run this long or longer is a frozen picture. */
const FROZEN_MIN_SEC = 0.5;
/** Local motion compares the mean picture of the last WINDOW_SEC with the one LAG_SEC earlier. */
const WINDOW_SEC = 0.25;
const LAG_SEC = 1;
/** Noise allowance: the largest of 1024 cells' noise differences rarely passes 4 standard deviations. */
const NOISE_K = 4;
/** Median of |a - b| for a, b independent N(0, σ²) is 0.954 σ. */
const MEDIAN_ABS_DIFF = 0.954;
const CAMERA_EVERY = 8;

interface Held {
  index: number;
  time: number;
  cells: Float32Array;
  /** Noise standard deviation of a cell, from the change since the previous new picture. */
  noise: number;
}

export class PictureChange {
  private readonly times = new FrameTimes();
  /** Per frame: the first frame of the still run it belongs to. */
  private readonly runStart = new FloatSeries();
  /** Per frame: local motion (luma levels), and the first frame it looked at. */
  private readonly motion = new FloatSeries();
  private readonly motionFrom = new FloatSeries();
  /** Per frame (every CAMERA_EVERY-th, else NaN): picture widths a second the camera moved, and the local motion left. */
  private readonly camera = new FloatSeries();
  private readonly scene = new FloatSeries();
  private readonly anchor = new Float32Array(CELLS);
  private anchorIndex = -1;
  /** Frames of the last LAG_SEC + WINDOW_SEC, oldest first, and spare buffers to reuse. */
  private held: Held[] = [];
  private readonly spare: Float32Array[] = [];
  private readonly recentMean = new Float32Array(CELLS);
  private readonly pastMean = new Float32Array(CELLS);
  private readonly changes = new Float32Array(CELLS);
  private noise = 0;
  /** Scratch lists reused every frame: the frames of the two windows, their noise estimates. */
  private readonly recent: Held[] = [];
  private readonly past: Held[] = [];
  private readonly noises: number[] = [];

  /** `cells`: the frame's 32x32 cell means (copied). */
  push(cells: Float32Array, time: number): void {
    const index = this.times.length;
    this.times.push(time);
    if (this.anchorIndex < 0 || maxAbsDiff(cells, this.anchor) > STILL_CELL_DIFF) {
      this.anchor.set(cells);
      this.anchorIndex = index;
    }
    this.runStart.push(this.anchorIndex);

    while (this.held.length > 0 && this.held[0].time <= time - LAG_SEC - WINDOW_SEC) this.spare.push(this.held.shift()!.cells);
    const last = this.held.at(-1);
    if (last) this.noise = this.noiseSince(last.cells, cells);
    const copy = this.spare.pop() ?? new Float32Array(CELLS);
    copy.set(cells);
    this.held.push({ index, time, cells: copy, noise: this.noise });
    this.measureMotion(time);
  }

  /** Share of frames in [start, end] (inclusive) that belong to a still run of at least FROZEN_MIN_SEC. */
  frozenShare(start: number, end: number): number {
    let frozen = 0;
    let i = start;
    while (i <= end) {
      const first = this.runStart.at(i);
      let last = i;
      while (last + 1 < this.times.length && this.runStart.at(last + 1) === first) last++;
      const runFrames = Math.min(last, end) - i + 1;
      if (this.times.endOf(last) - this.times.at(first) >= FROZEN_MIN_SEC - 1e-6) frozen += runFrames;
      i = last + 1;
    }
    return end >= start ? frozen / (end - start + 1) : 0;
  }

  /**
   * Median local motion over the frames of [start, end] whose look-back stays inside the span (a
   * cut before the span is not motion). NaN when the span is too short for any: no verdict.
   */
  localMotion(start: number, end: number): number {
    return this.medianInside(this.motion, start, end);
  }

  /** Median camera motion (picture widths a second) and scene motion (local motion the camera does not explain); NaN as localMotion. */
  cameraAndScene(start: number, end: number): { camera: number; scene: number } {
    return { camera: this.medianInside(this.camera, start, end), scene: this.medianInside(this.scene, start, end) };
  }

  private medianInside(series: FloatSeries, start: number, end: number): number {
    const inside: number[] = [];
    for (let i = start; i <= end; i++) {
      const from = this.motionFrom.at(i);
      if (from >= start && Number.isFinite(series.at(i))) inside.push(series.at(i));
    }
    return inside.length > 0 ? medianOf(inside) : Number.NaN;
  }

  private measureMotion(now: number): void {
    const recent = this.recent;
    const past = this.past;
    recent.length = 0;
    past.length = 0;
    for (const h of this.held) {
      if (h.time > now - WINDOW_SEC) recent.push(h);
      else if (h.time <= now - LAG_SEC && h.time > now - LAG_SEC - WINDOW_SEC) past.push(h);
    }
    const index = this.motion.length;
    if (past.length === 0) {
      for (const series of [this.motion, this.motionFrom, this.camera, this.scene]) series.push(Number.NaN);
      return;
    }
    meanInto(recent, this.recentMean);
    meanInto(past, this.pastMean);
    const noises = this.noises;
    noises.length = 0;
    for (const h of recent) noises.push(h.noise);
    for (const h of past) noises.push(h.noise);
    const noise = medianOf(noises);
    const allowance = NOISE_K * noise * Math.sqrt(1 / recent.length + 1 / past.length);
    this.motion.push(Math.max(0, maxAbsDiff(this.recentMean, this.pastMean) - allowance));
    this.motionFrom.push(past[0].index);
    if (index % CAMERA_EVERY !== 0) {
      this.camera.push(Number.NaN);
      this.scene.push(Number.NaN);
      return;
    }
    const lag = recent.at(-1)!.time - past[0].time || LAG_SEC;
    const shift = cameraShift(this.recentMean, this.pastMean);
    this.camera.push(Math.hypot(shift.dx, shift.dy) / THUMB / lag);
    this.scene.push(Math.max(0, shift.residual - allowance));
  }

  /** Cell noise from the change since the previous frame; an exact repeat keeps the last estimate. */
  private noiseSince(previous: Float32Array, cells: Float32Array): number {
    for (let c = 0; c < CELLS; c++) this.changes[c] = Math.abs(cells[c] - previous[c]);
    const median = kthSmallest(this.changes, CELLS >> 1);
    return median > 0 ? median / MEDIAN_ABS_DIFF : this.noise;
  }
}

/** The value of rank k (0-based) of `values`, which are reordered (Hoare's selection: linear time where sorting is not). */
function kthSmallest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k];
}

function meanInto(frames: Held[], out: Float32Array): void {
  out.fill(0);
  for (const f of frames) for (let c = 0; c < CELLS; c++) out[c] += f.cells[c];
  for (let c = 0; c < CELLS; c++) out[c] /= frames.length;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
