/**
 * Cheap per-frame signatures for shot-boundary detection, and distances between them.
 * A signature holds a coarse luma grid (block means, mean removed so a brightness offset does not
 * count as new content) and a soft-binned colour histogram (luma + two chroma axes). Both are tiny, so a
 * detector can keep a window of them instead of whole frames.
 */
import { ShiftSearch, SignaturePixels } from './pixel-kernels.js';

/** Contrast (mean absolute grid value) below which a shape is not scaled up further: flat frames stay flat. */
const SHAPE_MIN_CONTRAST = 4;
/** Cells across the coarse luma grid; rows follow the frame's aspect ratio. */
const GRID_COLS = 32;
const Y_BINS = 16;
const C_BINS = 8;
const HIST_BINS = Y_BINS + 2 * C_BINS;
/** Weight of the grid term against the histogram term in a distance. */
const GRID_WEIGHT = 3;

export interface ShotSignature {
  cols: number;
  rows: number;
  /** Block-mean luma (0..255) minus the frame's mean luma, row-major. */
  grid: Float32Array;
  /**
   * The grid over its contrast: the picture's structure, blind to brightness and contrast, which
   * flicker (old film, strobing light, auto-exposure) moves from frame to frame.
   */
  shape: Float32Array;
  /** Normalised histogram: Y_BINS luma bins, then C_BINS for each chroma axis (each part sums to 1). */
  hist: Float32Array;
  meanLuma: number;
  /** Mean absolute grid value: how much the picture varies (near 0 for black, white or flat frames). */
  contrast: number;
}

function gridRows(width: number, height: number): number {
  return Math.max(4, Math.round((GRID_COLS * height) / width));
}

export function newSignature(width: number, height: number): ShotSignature {
  const rows = gridRows(width, height);
  return { cols: GRID_COLS, rows, grid: new Float32Array(GRID_COLS * rows), shape: new Float32Array(GRID_COLS * rows), hist: new Float32Array(HIST_BINS), meanLuma: 0, contrast: 0 };
}

/**
 * Soft binning of one histogram part, by 0..255 value: the lower of the two bins whose centres
 * surround the value and the upper one's share (the lower gets the rest). Hard bins would move a
 * whole flat colour area to the next bin in one step when its colour drifts across a bin edge (a
 * hue shift, a brightness ramp), which reads as a cut.
 */
interface SoftBins {
  offset: number;
  low: Uint8Array;
  upperShare: Float32Array;
}

function softBins(bins: number, offset: number): SoftBins {
  const width = 256 / bins;
  const low = new Uint8Array(256);
  const upperShare = new Float32Array(256);
  for (let x = 0; x < 256; x++) {
    const pos = Math.min(bins - 1, Math.max(0, (x - (width - 1) / 2) / width));
    low[x] = Math.min(bins - 2, Math.floor(pos));
    upperShare[x] = pos - low[x];
  }
  return { offset, low, upperShare };
}

const Y_SOFT = softBins(Y_BINS, 0);
const U_SOFT = softBins(C_BINS, Y_BINS);
const V_SOFT = softBins(C_BINS, Y_BINS + C_BINS);

/** Which grid cell each pixel column and row falls in, and the pixels in each cell, for one frame size. */
interface CellLayout {
  pixelsInCell: Uint32Array;
  /** The pixel pass, with that layout. */
  pixels: SignaturePixels;
}

/**
 * The layouts of the last few frame sizes, most recent last: analyses of several sources may run
 * interleaved (computeSignature itself runs to completion, one call at a time).
 */
const layouts = new Map<string, CellLayout>();
const KEPT_LAYOUTS = 8;

function layoutFor(width: number, height: number, cols: number, rows: number): CellLayout {
  const key = `${width}x${height}/${cols}x${rows}`;
  const known = layouts.get(key);
  if (known) {
    layouts.delete(key);
    layouts.set(key, known);
    return known;
  }
  const cellOfColumn = new Uint32Array(width);
  for (let x = 0; x < width; x++) cellOfColumn[x] = Math.floor((x * cols) / width);
  const rowBase = new Uint32Array(height);
  for (let y = 0; y < height; y++) rowBase[y] = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
  const pixelsInCell = new Uint32Array(cols * rows);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixelsInCell[rowBase[y] + cellOfColumn[x]]++;
  const layout = { pixelsInCell, pixels: new SignaturePixels(width, height, cellOfColumn, rowBase, cols * rows) };
  layouts.set(key, layout);
  if (layouts.size > KEPT_LAYOUTS) layouts.delete(layouts.keys().next().value!);
  return layout;
}

/** Adds the counts of one part's 256 values (from `start` in `counts`) to its soft bins, normalised by `pixels`. */
function foldSoft(counts: Uint32Array, start: number, bins: SoftBins, hist: Float32Array, pixels: number): void {
  for (let x = 0; x < 256; x++) {
    const share = counts[start + x] / pixels;
    if (share === 0) continue;
    const upper = share * bins.upperShare[x];
    hist[bins.offset + bins.low[x]] += share - upper;
    hist[bins.offset + bins.low[x] + 1] += upper;
  }
}

/** Fills `sig` (reused to avoid garbage) from an RGB24 frame. */
export function computeSignature(rgb: Uint8Array, width: number, height: number, sig: ShotSignature): void {
  const { cols, rows, grid, hist } = sig;
  const { pixelsInCell, pixels: pass } = layoutFor(width, height, cols, rows);
  // Integer luma summed per cell, and counts of each luma and chroma value at full resolution,
  // folded into the soft bins below once per frame rather than per pixel.
  pass.measure(rgb);
  const sums = pass.lumaSums;
  const counts = pass.valueCounts;
  const pixels = width * height;
  let total = 0;
  for (let i = 0; i < sums.length; i++) total += sums[i];
  const mean = total / pixels;
  let contrast = 0;
  for (let i = 0; i < grid.length; i++) {
    grid[i] = pixelsInCell[i] ? sums[i] / pixelsInCell[i] - mean : 0;
    contrast += Math.abs(grid[i]);
  }
  const scale = 1 / Math.max(SHAPE_MIN_CONTRAST, contrast / grid.length);
  for (let i = 0; i < grid.length; i++) sig.shape[i] = grid[i] * scale;
  hist.fill(0);
  foldSoft(counts, 0, Y_SOFT, hist, pixels);
  foldSoft(counts, 256, U_SOFT, hist, pixels);
  foldSoft(counts, 512, V_SOFT, hist, pixels);
  sig.meanLuma = mean;
  sig.contrast = contrast / grid.length;
}

export function copySignature(from: ShotSignature, to: ShotSignature): void {
  to.grid.set(from.grid);
  to.shape.set(from.shape);
  to.hist.set(from.hist);
  to.meanLuma = from.meanLuma;
  to.contrast = from.contrast;
}

/** Histogram distance in 0..1: half the L1 distance, averaged over the luma and chroma parts. */
export function histDistance(a: ShotSignature, b: ShotSignature): number {
  let sum = 0;
  for (let i = 0; i < HIST_BINS; i++) sum += Math.abs(a.hist[i] - b.hist[i]);
  return sum / 6;
}

let shiftSearch: ShiftSearch | undefined;

/**
 * The least mean absolute difference of two cell grids over their overlap, with `b` shifted by up
 * to `radius` cells each way (wasm/pixels.ts).
 */
function leastShiftedDiff(a: Float32Array, b: Float32Array, cols: number, rows: number, radius: number): number {
  if (!shiftSearch || shiftSearch.cells < a.length) shiftSearch = new ShiftSearch(a.length);
  return shiftSearch.least(a, b, cols, rows, radius);
}

/**
 * Structure distance: mean absolute difference of the two shapes (grids over their contrast),
 * the best of small global shifts (camera motion, gate jitter). Flicker leaves it near the
 * picture's own change; a cut moves it to about 1 whatever the light does.
 */
export function structureDistance(a: ShotSignature, b: ShotSignature, radius = 2): number {
  return leastShiftedDiff(a.shape, b.shape, a.cols, a.rows, radius);
}

/** Cell luma difference (0..255) above which a cell counts as changed in `changedShare`. */
const CHANGED_LEVEL = 8;

/**
 * Share of grid cells whose mean luma (not mean-removed: a bright title over a still background
 * leaves the background cells as they were) differs by more than CHANGED_LEVEL. A cut changes
 * nearly all of the picture; text or an object popping in over a still background changes a part.
 */
export function changedShare(a: ShotSignature, b: ShotSignature): number {
  const offset = a.meanLuma - b.meanLuma;
  let changed = 0;
  for (let i = 0; i < a.grid.length; i++) if (Math.abs(a.grid[i] - b.grid[i] + offset) > CHANGED_LEVEL) changed++;
  return a.grid.length ? changed / a.grid.length : 0;
}

/** A distance between two signatures (frameDistance, histDistance, ...). */
export type SignatureDistance = (a: ShotSignature, b: ShotSignature) => number;

/** Content distance of two frames: colour histogram plus luma layout (mean absolute cell difference, 0..1). */
export function frameDistance(a: ShotSignature, b: ShotSignature): number {
  return frameDistanceBelow(a, b, Infinity);
}

/** Grid cells frameDistanceBelow sums between looks at its bound. */
const BOUND_CHECK_CELLS = 32;

/**
 * frameDistance(a, b) where that is below `bound`; otherwise some value at least `bound`, found
 * without summing the whole grid (every term is non-negative, so a partial sum that reaches the
 * bound settles it). For a smallest distance or a threshold test, the same answer for less work.
 */
export function frameDistanceBelow(a: ShotSignature, b: ShotSignature, bound: number): number {
  const hist = histDistance(a, b);
  const n = a.grid.length;
  if (n === 0) return hist;
  if (hist >= bound) return Infinity;
  const distance = (sum: number) => hist + GRID_WEIGHT * (sum / n / 255);
  let sum = 0;
  for (let start = 0; start < n; start += BOUND_CHECK_CELLS) {
    const end = Math.min(n, start + BOUND_CHECK_CELLS);
    for (let i = start; i < end; i++) sum += Math.abs(a.grid[i] - b.grid[i]);
    if (end < n && distance(sum) >= bound) return Infinity;
  }
  return distance(sum);
}

/**
 * Like frameDistance, but the layout term takes the best of small global shifts, so camera pans
 * and hand-held shake between consecutive frames do not look like new content.
 */
export function motionCompensatedDistance(a: ShotSignature, b: ShotSignature, radius = 2): number {
  return histDistance(a, b) + GRID_WEIGHT * (leastShiftedDiff(a.grid, b.grid, a.cols, a.rows, radius) / 255);
}

/**
 * Whether frame `mid` is a mix of `pre` and `post` to within `limit`: its mix residual, how far it
 * is from being a mix as a share of their layout difference (0: exactly a mix), is at most `limit`
 * in some reading. A dissolve or fade blends the two pictures, so a frame inside it is close to one
 * weighting of them; a wipe shows each part of the picture from one of them. A pan or a zoom shows
 * content at new places, which neither explains. The readings are the blend and the choice, with
 * `pre` and `post` each shifted by up to one cell (the shots may move during the transition); the
 * unshifted one goes first, as a real mix usually settles it.
 */
export function isMixOf(pre: ShotSignature, mid: ShotSignature, post: ShotSignature, limit: number): boolean {
  const pres = shiftedPre.of(pre);
  const posts = shiftedPost.of(post);
  for (const q of SHIFT_ORDER) for (const p of SHIFT_ORDER) if (mixResidualOf(pres.get(p), mid.grid, posts.get(q)) <= limit) return true;
  return false;
}

/** Shifts (index dx + 1 + 3 (dy + 1) for dx, dy in -1..1) in the order tried: unshifted first. */
const SHIFT_ORDER = [4, 0, 1, 2, 3, 5, 6, 7, 8];

/** A grid moved by each of the nine shifts, made on first use; its buffers are reused from call to call. */
class ShiftedGrids {
  private grids: Float32Array[] = [];
  private made = 0;
  private sig?: ShotSignature;

  /** Shifts of `sig` from now on (isMixOf runs to completion, so one set per role will do). */
  of(sig: ShotSignature): this {
    if (this.grids[0]?.length !== sig.grid.length) this.grids = Array.from({ length: 9 }, () => new Float32Array(sig.grid.length));
    this.sig = sig;
    this.made = 0;
    return this;
  }

  get(shift: number): Float32Array {
    const out = this.grids[shift];
    if (!(this.made & (1 << shift))) {
      shiftedGrid(this.sig!, (shift % 3) - 1, Math.floor(shift / 3) - 1, out);
      this.made |= 1 << shift;
    }
    return out;
  }
}

const shiftedPre = new ShiftedGrids();
const shiftedPost = new ShiftedGrids();

/** The grid of `sig` moved by (dx, dy) cells, edges repeated, into `out`. */
function shiftedGrid(sig: ShotSignature, dx: number, dy: number, out: Float32Array): void {
  const { cols, rows, grid } = sig;
  for (let y = 0; y < rows; y++) {
    const sy = Math.min(rows - 1, Math.max(0, y + dy));
    for (let x = 0; x < cols; x++) out[y * cols + x] = grid[sy * cols + Math.min(cols - 1, Math.max(0, x + dx))];
  }
}

function mixResidualOf(pre: Float32Array, mid: Float32Array, post: Float32Array): number {
  const n = pre.length;
  // Least-squares weight of `pre` in mid = w*pre + (1-w)*post, clamped to the blend range.
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = pre[i] - post[i];
    num += (mid[i] - post[i]) * d;
    den += d * d;
  }
  const w = den > 0 ? Math.min(1, Math.max(0, num / den)) : 0.5;
  let blend = 0;
  let choice = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const p = pre[i];
    const q = post[i];
    const m = mid[i];
    blend += Math.abs(m - (w * p + (1 - w) * q));
    choice += Math.min(Math.abs(m - p), Math.abs(m - q));
    scale += Math.abs(p - q);
  }
  return scale > 0 ? Math.min(blend, choice) / scale : 0;
}
