/**
 * How the picture changes over time, on the 32x32 grid of cell means (each cell averages many
 * analysis pixels, so codec and sensor noise mostly cancel while an edge moving through a cell
 * still shifts its mean). Two views, both looking further back than the previous frame:
 *
 * - still runs: a run keeps its first frame as an anchor and lasts while no cell has moved away
 *   from it by more than a tolerance relative to the anchor's contrast (stillDiffOf); a move ends
 *   it only when DEPARTURE_FRAMES frames in a row have moved (a codec's refresh of a stopped picture
 *   can change it for a frame or two and come back). Slow motion adds up against the anchor and
 *   ends the run, over a low-contrast picture too; a cadence of exact repeats (animation on twos,
 *   15 fps in 30 fps) ends it at every new picture. A run means the picture stopped when it lasts
 *   STOP_SEC, or FROZEN_MIN_SEC and several times the runs around it (isFrozen): the holds of a
 *   steady low-rate cadence (a 2 fps timelapse carried at 25 fps) are steps of motion. ffmpeg's
 *   freezedetect also compares with the frame where the freeze started, but over whole-frame
 *   means (a small moving object goes unseen) and with a fixed duration (2 s by default).
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
/**
 * Largest change of a cell mean (luma levels) that still counts as the same picture: STILL_REL of
 * the anchor's contrast (the standard deviation of its cell means), between STILL_FLOOR and
 * STILL_CELL_DIFF. Relative, as a slow move over a low-contrast picture (haze, night) changes its
 * cells by as few levels as codec noise does over a stopped one; the floor is about what an
 * encoder's refresh of a dim stopped picture gives (x264 crf 30 or MPEG-2 with a 12-frame GOP).
 */
const STILL_CELL_DIFF = 2;
const STILL_REL = 0.04;
const STILL_FLOOR = 1;
/** Frames in a row that must have moved from the anchor to end a still run. */
const DEPARTURE_FRAMES = 3;
/** A still run this long is a stopped picture whatever the cadence around it. */
const STOP_SEC = 0.75;
/**
 * A still run this long is a stopped picture when it also lasts CADENCE_RATIO times the median run
 * within CADENCE_SEC either side (a stall in motion, not a step of a low-rate cadence).
 */
const FROZEN_MIN_SEC = 0.5;
const CADENCE_RATIO = 3;
const CADENCE_SEC = 2;
/** Local motion compares the mean picture of the last WINDOW_SEC with the one LAG_SEC earlier. */
const WINDOW_SEC = 0.25;
const LAG_SEC = 1;
/** Noise allowance: the largest of 1024 cells' noise differences rarely passes 4 standard deviations. */
const NOISE_K = 4;
/** Median of |a - b| for a, b independent N(0, σ²) is 0.954 σ. */
const MEDIAN_ABS_DIFF = 0.954;
const CAMERA_EVERY = 8;

/** The two windows local motion compares (a frame is in at most one). */
const enum Window {
  None,
  Recent,
  Past,
}

interface Held {
  index: number;
  time: number;
  cells: Float32Array;
  /** Noise standard deviation of a cell, from the change since the previous new picture. */
  noise: number;
  /** The window whose sums hold the frame's cells. */
  window: Window;
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
  /** Frames since the last one like the anchor, all moved away from it (a move, or a codec's brief refresh). */
  private departed: { index: number; cells: Float32Array }[] = [];
  /** How far a cell may move from the anchor in a still run (stillDiffOf the anchor). */
  private stillDiff = STILL_CELL_DIFF;
  /** Frames of the last LAG_SEC + WINDOW_SEC, oldest first, and spare buffers to reuse. */
  private held: Held[] = [];
  private readonly spare: Float32Array[] = [];
  /**
   * Per cell, the sum over the frames in each window, kept as frames enter and leave it. A cell
   * mean is a float32 below 256 and, when not 0, at least 0.114 (the least luma) over its cell's
   * pixels, so a multiple of 2^-40 at any analysis size up to 3840 wide; float64 holds sums of up
   * to 32 of them (a window at up to 128 fps) exactly, so taking a frame out leaves exactly what
   * the others add up to and the sums never drift.
   */
  private readonly recentSum = new Float64Array(CELLS);
  private readonly pastSum = new Float64Array(CELLS);
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
    this.followRun(index, cells);

    while (this.held.length > 0 && this.held[0].time <= time - LAG_SEC - WINDOW_SEC) {
      const old = this.held.shift()!;
      this.place(old, Window.None);
      this.spare.push(old.cells);
    }
    const last = this.held.at(-1);
    if (last) this.noise = this.noiseSince(last.cells, cells);
    const copy = this.spare.pop() ?? new Float32Array(CELLS);
    copy.set(cells);
    this.held.push({ index, time, cells: copy, noise: this.noise, window: Window.None });
    this.measureMotion(time);
  }

  /**
   * Frame `index` joins the open still run unless it has moved away from the anchor; a move ends the
   * run only once DEPARTURE_FRAMES frames in a row have (a codec's refresh of a stopped picture can
   * change it for a frame or two and come back). The frames of a move are then taken again against
   * the first of them as the new anchor.
   */
  private followRun(index: number, cells: Float32Array): void {
    if (this.anchorIndex < 0) {
      this.newAnchor(index, cells);
      return;
    }
    this.runStart.set(index, this.anchorIndex);
    if (maxAbsDiff(cells, this.anchor) <= this.stillDiff) {
      while (this.departed.length > 0) this.spare.push(this.departed.pop()!.cells);
      return;
    }
    const copy = this.spare.pop() ?? new Float32Array(CELLS);
    copy.set(cells);
    this.departed.push({ index, cells: copy });
    if (this.departed.length < DEPARTURE_FRAMES) return;
    const moved = this.departed.splice(0);
    this.newAnchor(moved[0].index, moved[0].cells);
    for (const m of moved.slice(1)) this.followRun(m.index, m.cells);
    for (const m of moved) this.spare.push(m.cells);
  }

  private newAnchor(index: number, cells: Float32Array): void {
    this.anchor.set(cells);
    this.anchorIndex = index;
    this.stillDiff = stillDiffOf(cells);
    this.runStart.set(index, index);
  }

  /** Share of frames in [start, end] (inclusive) that belong to a frozen run (isFrozen). */
  frozenShare(start: number, end: number): number {
    let frozen = 0;
    let i = start;
    while (i <= end) {
      const run = this.runAt(i);
      if (this.isFrozen(run)) frozen += Math.min(run.last, end) - i + 1;
      i = run.last + 1;
    }
    return end >= start ? frozen / (end - start + 1) : 0;
  }

  /** The still run holding frame i: its first and last frame. */
  private runAt(i: number): { first: number; last: number } {
    const first = this.runStart.at(i);
    let last = i;
    while (last + 1 < this.times.length && this.runStart.at(last + 1) === first) last++;
    return { first, last };
  }

  private runSec(run: { first: number; last: number }): number {
    return this.times.endOf(run.last) - this.times.at(run.first);
  }

  /**
   * A still run is a stop of the picture when it lasts STOP_SEC, or FROZEN_MIN_SEC and CADENCE_RATIO
   * times the cadence around it (the median length of the other runs starting within CADENCE_SEC
   * of its ends; none: no cadence). So the holds of a steady cadence (a 2 fps timelapse carried at
   * 25 fps holds each picture about 0.5 s) are steps of motion, while such a hold in 25 fps motion
   * is a stall.
   */
  private isFrozen(run: { first: number; last: number }): boolean {
    const sec = this.runSec(run);
    if (sec >= STOP_SEC - 1e-6) return true;
    if (sec < FROZEN_MIN_SEC - 1e-6) return false;
    const around: number[] = [];
    const from = this.times.at(run.first) - CADENCE_SEC;
    for (let i = run.first - 1; i >= 0 && this.times.at(i) >= from; ) {
      const r = this.runAt(this.runStart.at(i));
      around.push(this.runSec(r));
      i = r.first - 1;
    }
    const to = this.times.endOf(run.last) + CADENCE_SEC;
    for (let i = run.last + 1; i < this.times.length && this.times.at(i) <= to; ) {
      const r = this.runAt(i);
      around.push(this.runSec(r));
      i = r.last + 1;
    }
    return around.length === 0 || sec >= CADENCE_RATIO * medianOf(around) - 1e-6;
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
      const window = h.time > now - WINDOW_SEC ? Window.Recent : h.time <= now - LAG_SEC && h.time > now - LAG_SEC - WINDOW_SEC ? Window.Past : Window.None;
      this.place(h, window);
      if (window === Window.Recent) recent.push(h);
      else if (window === Window.Past) past.push(h);
    }
    const index = this.motion.length;
    if (past.length === 0) {
      for (const series of [this.motion, this.motionFrom, this.camera, this.scene]) series.push(Number.NaN);
      return;
    }
    meanInto(this.recentSum, recent.length, this.recentMean);
    meanInto(this.pastSum, past.length, this.pastMean);
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

  /** Moves frame `h` to `window`, taking its cells out of the sums of the one it was in and into the new one's. */
  private place(h: Held, window: Window): void {
    if (h.window === window) return;
    if (h.window !== Window.None) addCells(this.sumOf(h.window), h.cells, -1);
    if (window !== Window.None) addCells(this.sumOf(window), h.cells, 1);
    h.window = window;
  }

  private sumOf(window: Window.Recent | Window.Past): Float64Array {
    return window === Window.Recent ? this.recentSum : this.pastSum;
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

/** How far a cell may move from `anchor` in a still run (STILL_CELL_DIFF). */
function stillDiffOf(anchor: Float32Array): number {
  let sum = 0;
  let sq = 0;
  for (const v of anchor) {
    sum += v;
    sq += v * v;
  }
  const contrast = Math.sqrt(Math.max(0, sq / anchor.length - (sum / anchor.length) ** 2));
  return Math.min(STILL_CELL_DIFF, Math.max(STILL_FLOOR, STILL_REL * contrast));
}

function addCells(sums: Float64Array, cells: Float32Array, sign: 1 | -1): void {
  for (let c = 0; c < CELLS; c++) sums[c] += sign * cells[c];
}

function meanInto(sums: Float64Array, frames: number, out: Float32Array): void {
  for (let c = 0; c < CELLS; c++) out[c] = sums[c] / frames;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
