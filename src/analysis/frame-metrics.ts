/**
 * Per-frame quality measurements over an RGB24 frame at analysis size: exposure, contrast,
 * colourfulness, sharpness, change from the previous frame, and dark border bars.
 * Pure functions over buffers; the caller owns (and reuses) the luma planes.
 */
import type { Thumbnailer } from './phash.js';

/** Luma below this counts as a crushed black, above BRIGHT as a blown highlight (BT.601 studio limits). */
const DARK = 16;
const BRIGHT = 235;
/**
 * A border row/column is bar when its mean luma is below BAR_MEAN, no pixel exceeds BAR_MAX and its
 * levels spread over at most BAR_SPREAD: a bar is flat, while the dark edge of a night scene has texture.
 */
const BAR_MEAN = 24;
const BAR_MAX = 48;
const BAR_SPREAD = 12;

export interface FrameMetrics {
  lumaMean: number;
  /** Standard deviation of luma. */
  contrast: number;
  darkShare: number;
  brightShare: number;
  /** Hasler & Süsstrunk (2003) colourfulness. */
  colorfulness: number;
}

export interface FrameMeasures extends FrameMetrics {
  /** Mean absolute luma difference from the previous frame; NaN for the first. */
  motion: number;
}

/**
 * One pass over an RGB24 frame at analysis size: fills `luma` (BT.601, 0..255), measures exposure,
 * contrast, colourfulness and the change from `prevLuma` (when given), and sums each 32x32 cell's
 * luma into `cellSums` (zeroed here; `thumbnailer` says which cell a pixel is in). Done in one loop
 * because each step costs about as much as reading the pixels.
 */
export function measureFrame(
  rgb: Uint8Array,
  luma: Float32Array,
  prevLuma: Float32Array | undefined,
  thumbnailer: Thumbnailer,
  cellSums: Float64Array,
): FrameMeasures {
  const n = luma.length;
  cellSums.fill(0);
  const t = sumPixels(rgb, luma, prevLuma ?? luma, thumbnailer.width, thumbnailer.cellOfColumn, thumbnailer.cellOfRow, cellSums, totals);
  const mean = t[SUM] / n;
  const rgMean = t[RG] / n;
  const ybMean = t[YB] / n;
  const rgVar = Math.max(0, t[RG_SQ] / n - rgMean * rgMean);
  const ybVar = Math.max(0, t[YB_SQ] / n - ybMean * ybMean);
  return {
    lumaMean: mean,
    contrast: Math.sqrt(Math.max(0, t[SUM_SQ] / n - mean * mean)),
    darkShare: t[DARK_COUNT] / n,
    brightShare: t[BRIGHT_COUNT] / n,
    colorfulness: Math.sqrt(rgVar + ybVar) + 0.3 * Math.sqrt(rgMean * rgMean + ybMean * ybMean),
    motion: prevLuma ? t[DIFF] / n : Number.NaN,
  };
}

/** Slots of the per-frame totals sumPixels fills. */
const [SUM, SUM_SQ, DARK_COUNT, BRIGHT_COUNT, RG, RG_SQ, YB, YB_SQ, DIFF] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const totals = new Float64Array(9);

/**
 * The per-pixel loop of measureFrame, on its own and branch-free in its sums, so V8 compiles it
 * once for every frame (as part of a larger function its loop kept being entered in the
 * interpreter and left again when a rarely taken path first ran).
 */
function sumPixels(
  rgb: Uint8Array,
  luma: Float32Array,
  prev: Float32Array,
  width: number,
  cellOfColumn: Uint16Array,
  cellOfRow: Uint16Array,
  cellSums: Float64Array,
  out: Float64Array,
): Float64Array {
  const n = luma.length;
  let sum = 0;
  let sumSq = 0;
  let dark = 0;
  let bright = 0;
  let rgSum = 0;
  let rgSq = 0;
  let ybSum = 0;
  let ybSq = 0;
  let diff = 0;
  for (let i = 0, p = 0, row = 0; i < n; row++) {
    const rowCell = cellOfRow[row];
    // A cell's pixels in this row are summed apart and added once: adding into the array pixel by
    // pixel waits on the previous store each time. Float32 lumas sum exactly in float64 in any order.
    let cell = cellOfColumn[0];
    let cellSum = 0;
    for (let x = 0; x < width; x++, i++, p += 3) {
      const r = rgb[p];
      const g = rgb[p + 1];
      const b = rgb[p + 2];
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      const stored = Math.fround(y);
      diff += Math.abs(stored - prev[i]);
      luma[i] = stored;
      if (cellOfColumn[x] !== cell) {
        cellSums[rowCell + cell] += cellSum;
        cell = cellOfColumn[x];
        cellSum = 0;
      }
      cellSum += stored;
      sum += y;
      sumSq += y * y;
      dark += y < DARK ? 1 : 0;
      bright += y > BRIGHT ? 1 : 0;
      const rg = r - g;
      const yb = 0.5 * (r + g) - b;
      rgSum += rg;
      rgSq += rg * rg;
      ybSum += yb;
      ybSq += yb * yb;
    }
    cellSums[rowCell + cell] += cellSum;
  }
  out[SUM] = sum;
  out[SUM_SQ] = sumSq;
  out[DARK_COUNT] = dark;
  out[BRIGHT_COUNT] = bright;
  out[RG] = rgSum;
  out[RG_SQ] = rgSq;
  out[YB] = ybSum;
  out[YB_SQ] = ybSq;
  out[DIFF] = diff;
  return out;
}

/**
 * Sharpness as relative fine detail: the energy of the Laplacian over that of the gradient (both
 * over interior pixels), times 100. Both grow with contrast, so the ratio does not: it says how much
 * of the picture's structure sits at the finest scale of the analysis frame, which blur takes away
 * first. Measured on the analysis frame (a fixed width, area-downscaled), it judges blur relative
 * to the picture size, whatever the source resolution or codec. 0 for a flat frame.
 */
export function sharpnessOf(luma: Float32Array, width: number, height: number): number {
  const [lap2, grad2] = detailEnergies(luma, width, height, energies);
  return grad2 > 0 ? (100 * lap2) / grad2 : 0;
}

const energies = new Float64Array(2);

/** Laplacian and gradient energy over the interior pixels, into `out`: the loop of sharpnessOf on its own (see sumPixels). */
function detailEnergies(luma: Float32Array, width: number, height: number, out: Float64Array): Float64Array {
  let lap2 = 0;
  let grad2 = 0;
  for (let y = 1; y < height - 1; y++) {
    let i = y * width + 1;
    // The row's left and centre values slide along; only right, up and down are loaded.
    let left = luma[i - 1];
    let mid = luma[i];
    for (let x = 1; x < width - 1; x++, i++) {
      const right = luma[i + 1];
      const down = luma[i + width];
      const gx = right - mid;
      const gy = down - mid;
      const lap = left + right + luma[i - width] + down - 4 * mid;
      lap2 += lap * lap;
      grad2 += gx * gx + gy * gy;
      left = mid;
      mid = right;
    }
  }
  out[0] = lap2;
  out[1] = grad2;
  return out;
}

export interface Bars {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Dark bars at each border, in rows/columns. Returns null for a frame that is dark all over, where
 * bars cannot be told from content.
 */
export function measureBars(luma: Float32Array, width: number, height: number): Bars | null {
  const rowDark = (y: number) => isDarkLine(luma, y * width, 1, width);
  const colDark = (x: number) => isDarkLine(luma, x, width, height);
  const top = countWhile(height, (i) => rowDark(i));
  const left = countWhile(width, (i) => colDark(i));
  if (top === height || left === width) return null;
  return {
    top,
    bottom: countWhile(height, (i) => rowDark(height - 1 - i)),
    left,
    right: countWhile(width, (i) => colDark(width - 1 - i)),
  };
}

function isDarkLine(luma: Float32Array, start: number, step: number, count: number): boolean {
  let sum = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let k = 0, i = start; k < count; k++, i += step) {
    const v = luma[i];
    if (v > BAR_MAX) return false;
    sum += v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return sum / count < BAR_MEAN && hi - lo <= BAR_SPREAD;
}

function countWhile(limit: number, test: (i: number) => boolean): number {
  let i = 0;
  while (i < limit && test(i)) i++;
  return i;
}
