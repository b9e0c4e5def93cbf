/**
 * The blur filter's measure: how much of the picture's edge strength a slight re-blur takes away.
 *
 * A sharp edge loses much of its slope under a 3x3 box blur; an edge that is already blurred
 * loses little. The ratio of the two slopes is taken on the picture's strong edges only (pixels
 * whose slope, re-blurred and not, is at least half the frame's 99.9th percentile of re-blurred
 * slope), each weighted by the fourth power of its re-blurred slope, so the steepest edges decide.
 * Weaker edges are where 8-bit steps and codec ringing on a dim, blurred picture still look like
 * fine slope: a dim blurred animation scored as sharp as a soft half-size MPEG-4 copy when every
 * edge counted alike (dev margin 7%; as now 28%: bench/filters/blur-measures.ts). It does not depend on
 * scene contrast (both slopes scale with it) nor on flat areas, where sensor noise, 8-bit levels
 * and codec ringing dominate. Those flat areas are what made the older Laplacian-over-gradient
 * ratio call a blurred night scene sharp: in a dark, low-contrast picture the noise floor is a
 * large share of all fine detail. Measured on the analysis frame (a fixed width, area-downscaled),
 * it judges blur relative to the picture size whatever the source resolution or codec.
 *
 * Scale: 100 × (1 − re-blurred slope / slope, each summed with those weights). An ideal one-pixel step gives 33; a step blurred
 * with a Gaussian of 1.5 pixels about 9; a flat frame 0.
 */

/** Pixels whose slope, re-blurred and not, reaches this share of the frame's EDGE_QUANTILE re-blurred slope are edges. */
const EDGE_SHARE = 0.5;
const EDGE_QUANTILE = 0.999;
/** Below a slope of one luma level a pixel nothing is an edge (a flat or nearly flat frame). */
const MIN_SLOPE = 1;
/** Slope histogram: bins of HIST_STEP levels a pixel, enough for the steepest 8-bit edge. */
const HIST_STEP = 0.25;
const HIST_BINS = 1024;

export class EdgeSharpness {
  private blurred = new Float32Array(0);
  private rows = new Float32Array(0);
  private slopes = new Float32Array(0);
  private readonly hist = new Uint32Array(HIST_BINS);

  /** Edge sharpness of one luma plane (0..255), `width` × `height`. */
  measure(luma: Float32Array, width: number, height: number): number {
    if (width < 5 || height < 5) return 0;
    this.reserve(luma.length);
    const { blurred, slopes, hist } = this;
    boxBlur3(luma, width, height, this.rows, blurred);
    // Slopes of the re-blurred copy, two pixels in from the border (where the blur is whole).
    hist.fill(0);
    let counted = 0;
    for (let y = 2; y < height - 2; y++) {
      for (let x = 2, i = y * width + 2; x < width - 2; x++, i++) {
        const s = slope(blurred, i, width);
        slopes[i] = s;
        hist[Math.min(HIST_BINS - 1, Math.floor(s / HIST_STEP))]++;
        counted++;
      }
    }
    const cut = Math.max(MIN_SLOPE, EDGE_SHARE * quantileOf(hist, counted, EDGE_QUANTILE));
    let sharp = 0;
    let reblurred = 0;
    for (let y = 2; y < height - 2; y++) {
      for (let x = 2, i = y * width + 2; x < width - 2; x++, i++) {
        const s = slopes[i];
        if (s < cut) continue;
        // An edge in the picture itself too: the re-blur spreads a point light's slope onto a ring
        // of pixels that had none, which (weighted) would read a sharp point as blurred.
        const original = slope(luma, i, width);
        if (original < cut) continue;
        const weight = s * s * s * s;
        sharp += weight * original;
        reblurred += weight * s;
      }
    }
    return sharp > 0 ? Math.max(0, 100 * (1 - reblurred / sharp)) : 0;
  }

  private reserve(n: number): void {
    if (this.blurred.length === n) return;
    this.blurred = new Float32Array(n);
    this.rows = new Float32Array(n);
    this.slopes = new Float32Array(n);
  }
}

const shared = new EdgeSharpness();

/** Edge sharpness of one luma plane, with buffers shared between calls (single-threaded use). */
export const edgeSharpness = (luma: Float32Array, width: number, height: number): number => shared.measure(luma, width, height);

/** Gradient magnitude at pixel `i` by central differences (levels a pixel). */
function slope(p: Float32Array, i: number, width: number): number {
  const gx = p[i + 1] - p[i - 1];
  const gy = p[i + width] - p[i - width];
  return 0.5 * Math.sqrt(gx * gx + gy * gy);
}

/** 3x3 box blur, separable, borders clamped. */
function boxBlur3(src: Float32Array, width: number, height: number, rows: Float32Array, out: Float32Array): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const l = x > 0 ? x - 1 : x;
      const r = x < width - 1 ? x + 1 : x;
      rows[row + x] = (src[row + l] + src[row + x] + src[row + r]) / 3;
    }
  }
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const row = y * width;
    const down = (y < height - 1 ? y + 1 : y) * width;
    for (let x = 0; x < width; x++) out[row + x] = (rows[up + x] + rows[row + x] + rows[down + x]) / 3;
  }
}

/** The `q` quantile of the histogrammed slopes (the upper edge of the bin it falls in). */
function quantileOf(hist: Uint32Array, total: number, q: number): number {
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b];
    if (seen >= rank) return (b + 1) * HIST_STEP;
  }
  return hist.length * HIST_STEP;
}
