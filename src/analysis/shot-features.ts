/**
 * Cheap per-frame signatures for shot-boundary detection, and distances between them.
 * A signature holds a coarse luma grid (block means, mean removed so a brightness offset does not
 * count as new content) and a colour histogram (luma + two chroma axes). Both are tiny, so a
 * detector can keep a window of them instead of whole frames.
 */

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
  return { cols: GRID_COLS, rows, grid: new Float32Array(GRID_COLS * rows), hist: new Float32Array(HIST_BINS), meanLuma: 0, contrast: 0 };
}

/** Fills `sig` (reused to avoid garbage) from an RGB24 frame. */
export function computeSignature(rgb: Buffer, width: number, height: number, sig: ShotSignature): void {
  const { cols, rows, grid, hist } = sig;
  grid.fill(0);
  hist.fill(0);
  const counts = new Uint32Array(cols * rows);
  let total = 0;
  let p = 0;
  for (let y = 0; y < height; y++) {
    const rowBase = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
    for (let x = 0; x < width; x++, p += 3) {
      const r = rgb[p];
      const g = rgb[p + 1];
      const b = rgb[p + 2];
      // Integer BT.601-like luma and two opponent chroma axes, all 0..255.
      const luma = (77 * r + 150 * g + 29 * b) >> 8;
      const u = (b - luma + 255) >> 1;
      const v = (r - luma + 255) >> 1;
      const cell = rowBase + (((x * cols) / width) | 0);
      grid[cell] += luma;
      counts[cell]++;
      total += luma;
      hist[luma >> 4]++;
      hist[Y_BINS + (u >> 5)]++;
      hist[Y_BINS + C_BINS + (v >> 5)]++;
    }
  }
  const pixels = width * height;
  const mean = total / pixels;
  let contrast = 0;
  for (let i = 0; i < grid.length; i++) {
    grid[i] = counts[i] ? grid[i] / counts[i] - mean : 0;
    contrast += Math.abs(grid[i]);
  }
  for (let i = 0; i < HIST_BINS; i++) hist[i] /= pixels;
  sig.meanLuma = mean;
  sig.contrast = contrast / grid.length;
}

export function copySignature(from: ShotSignature, to: ShotSignature): void {
  to.grid.set(from.grid);
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

/** Mean absolute grid difference (0..1) with `b` shifted by (dx, dy) cells, over the overlap. */
function shiftedGridDiff(a: ShotSignature, b: ShotSignature, dx: number, dy: number): number {
  const { cols, rows } = a;
  let sum = 0;
  let n = 0;
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(rows, rows - dy);
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(cols, cols - dx);
  for (let y = y0; y < y1; y++) {
    const ra = y * cols;
    const rb = (y + dy) * cols + dx;
    for (let x = x0; x < x1; x++) sum += Math.abs(a.grid[ra + x] - b.grid[rb + x]);
    n += x1 - x0;
  }
  return n ? sum / (n * 255) : 0;
}

/** Content distance of two frames: colour histogram plus luma layout. */
export function frameDistance(a: ShotSignature, b: ShotSignature): number {
  return histDistance(a, b) + GRID_WEIGHT * shiftedGridDiff(a, b, 0, 0);
}

/**
 * Like frameDistance, but the layout term takes the best of small global shifts, so camera pans
 * and hand-held shake between consecutive frames do not look like new content.
 */
export function motionCompensatedDistance(a: ShotSignature, b: ShotSignature, radius = 2): number {
  let best = Infinity;
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) best = Math.min(best, shiftedGridDiff(a, b, dx, dy));
  }
  return histDistance(a, b) + GRID_WEIGHT * best;
}
