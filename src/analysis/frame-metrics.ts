/**
 * Per-frame quality measurements over an RGB24 frame at analysis size: exposure, contrast,
 * colourfulness, sharpness, change from the previous frame, and dark border bars. The per-pixel
 * passes run in PixelKernels (WebAssembly), which owns the luma planes; the rest is arithmetic on
 * their totals and loops over a few border lines.
 */
import { TOTAL, type PixelKernels } from './pixel-kernels.js';

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
  /** Shares of crushed blacks (luma below 16) and blown highlights (above 235), BT.601 studio limits. */
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
 * Measures an RGB24 frame at analysis size with `kernels` (sized for it): fills its luma plane
 * (BT.601, 0..255) and thumbnail cell sums, and measures exposure, contrast, colourfulness and the
 * change from the previous frame's luma (when `hasPrev`).
 */
export function measureFrame(kernels: PixelKernels, rgb: Uint8Array, hasPrev: boolean): FrameMeasures {
  const t = kernels.measure(rgb, hasPrev);
  const n = kernels.width * kernels.height;
  const mean = t[TOTAL.SUM] / n;
  const rgMean = t[TOTAL.RG] / n;
  const ybMean = t[TOTAL.YB] / n;
  const rgVar = Math.max(0, t[TOTAL.RG_SQ] / n - rgMean * rgMean);
  const ybVar = Math.max(0, t[TOTAL.YB_SQ] / n - ybMean * ybMean);
  return {
    lumaMean: mean,
    contrast: Math.sqrt(Math.max(0, t[TOTAL.SUM_SQ] / n - mean * mean)),
    darkShare: t[TOTAL.DARK] / n,
    brightShare: t[TOTAL.BRIGHT] / n,
    colorfulness: Math.sqrt(rgVar + ybVar) + 0.3 * Math.sqrt(rgMean * rgMean + ybMean * ybMean),
    motion: hasPrev ? t[TOTAL.DIFF] / n : Number.NaN,
  };
}

/**
 * Sharpness as relative fine detail: the energy of the Laplacian over that of the gradient (both
 * over interior pixels), times 100. Both grow with contrast, so the ratio does not: it says how much
 * of the picture's structure sits at the finest scale of the analysis frame, which blur takes away
 * first. Measured on the analysis frame (a fixed width, area-downscaled), it judges blur relative
 * to the picture size, whatever the source resolution or codec. 0 for a flat frame. Of the frame
 * `kernels` measured last, or of `luma` (its size).
 */
export function sharpnessOf(kernels: PixelKernels, luma?: Float32Array): number {
  const [lap2, grad2] = kernels.detailEnergies(luma);
  return grad2 > 0 ? (100 * lap2) / grad2 : 0;
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
