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
import { Thumbnailer } from './phash.js';
import { PixelKernels } from './pixel-kernels.js';

/** Kernels for the last few plane sizes, most recent last. */
const scratch = new Map<string, PixelKernels>();
const KEPT_SIZES = 4;

/**
 * Edge sharpness of any luma plane (0..255), `width` × `height`, with kernels kept per size. The
 * analysis measures its own frames' planes in place (PixelKernels.edgeSharpness); the measure
 * itself is in wasm/pixels.ts.
 */
export function edgeSharpness(luma: Float32Array, width: number, height: number): number {
  const key = `${width}x${height}`;
  const kernels = scratch.get(key) ?? new PixelKernels(new Thumbnailer(width, height));
  scratch.delete(key);
  scratch.set(key, kernels);
  if (scratch.size > KEPT_SIZES) scratch.delete(scratch.keys().next().value!);
  return kernels.edgeSharpness(luma);
}
