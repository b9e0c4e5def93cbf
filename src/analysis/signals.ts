/**
 * Quality signals and the perceptual signature, fed frame by frame from the single decode pass.
 * Per frame it keeps a handful of float32 numbers (about 44 bytes); per 0.25 s it keeps one 64-bit
 * pHash of the averaged thumbnail (averaging makes the hash less sensitive to where a copy's
 * samples fall in time). No pixels are kept beyond the previous frame's luma and about 1.25 s of
 * 32x32 cell grids (picture-change.ts: frozen runs and local motion).
 */
import type { Frame } from '../media/frames.js';
import type { ProbeInfo } from '../types.js';
import { FloatSeries } from '../segment/series.js';
import { quantile } from '../segment/stats.js';
import { measureBars, measureFrame, sharpnessOf } from './frame-metrics.js';
import { THUMB, Thumbnailer, hashHex, phash } from './phash.js';
import { PictureChange } from './picture-change.js';
import { PixelKernels } from './pixel-kernels.js';

/** Luma standard deviation below which a frame counts as a single colour. */
const SINGLE_COLOR_STD = 4;
/** Width of a hash bin in seconds. */
export const HASH_BIN_SEC = 0.25;
/** Most hashes in a clip signature (a clip of up to 4 s gives one per bin). */
export const SIGNATURE_SAMPLES = 16;
/**
 * Edge sharpness is measured on every EDGE_EVERY-th frame (else NaN): it costs about four times
 * the sharpness signal, and blur changes slowly within a shot, so a clip's median barely moves.
 */
const EDGE_EVERY = 4;

const PER_FRAME = [
  'motion', 'sharpness', 'edgeSharpness', 'luma', 'dark', 'bright', 'contrast', 'colorfulness',
  'barTop', 'barBottom', 'barLeft', 'barRight', 'quantiser',
] as const;
type PerFrame = (typeof PER_FRAME)[number];

export type ClipSignals = Record<string, number>;

export class FrameSignals {
  private readonly series = Object.fromEntries(PER_FRAME.map((k) => [k, new FloatSeries()])) as Record<PerFrame, FloatSeries>;
  private readonly pixels: PixelKernels;
  private hasPrev = false;
  private frames = 0;

  private readonly thumbnailer: Thumbnailer;
  private readonly cells = new Float32Array(THUMB * THUMB);
  private readonly change = new PictureChange();
  private readonly binThumb = new Float32Array(THUMB * THUMB);
  private binIndex = -1;
  private binFrames = 0;
  private binFirstFrame = 0;
  /** Per bin: first and last frame index, hash words. */
  private readonly bins = { first: new FloatSeries(), last: new FloatSeries(), hi: [] as number[], lo: [] as number[] };

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {
    this.thumbnailer = new Thumbnailer(width, height);
    this.pixels = new PixelKernels(this.thumbnailer);
  }

  push(frame: Frame): void {
    const { width, height } = this;
    const { pixels } = this;
    const m = measureFrame(pixels, frame.data, this.hasPrev);
    const s = this.series;
    s.motion.push(m.motion);
    s.sharpness.push(sharpnessOf(pixels));
    s.edgeSharpness.push(this.frames % EDGE_EVERY === 0 ? pixels.edgeSharpness() : Number.NaN);
    s.luma.push(m.lumaMean);
    s.dark.push(m.darkShare);
    s.bright.push(m.brightShare);
    s.contrast.push(m.contrast);
    s.colorfulness.push(m.colorfulness);
    const bars = measureBars(pixels.luma, width, height);
    s.barTop.push(bars ? bars.top / height : Number.NaN);
    s.barBottom.push(bars ? bars.bottom / height : Number.NaN);
    s.barLeft.push(bars ? bars.left / width : Number.NaN);
    s.barRight.push(bars ? bars.right / width : Number.NaN);
    s.quantiser.push(frame.quantiser ?? Number.NaN);

    const bin = Math.floor(frame.time / HASH_BIN_SEC);
    if (bin !== this.binIndex) this.closeBin();
    if (this.binFrames === 0) {
      this.binIndex = bin;
      this.binFirstFrame = this.frames;
    }
    this.cells.fill(0);
    this.thumbnailer.addMeans(pixels.cellSums, this.cells);
    this.change.push(this.cells, frame.time);
    for (let c = 0; c < this.cells.length; c++) this.binThumb[c] += this.cells[c];
    this.binFrames++;

    this.hasPrev = true;
    this.frames++;
  }

  /** Signals of frames [startFrame, endFrame] (inclusive). Motion skips the first frame (its change is from before the clip). */
  clipSignals(startFrame: number, endFrame: number): ClipSignals {
    const s = this.series;
    const span = (k: PerFrame, from = startFrame) => finite(s[k].view().subarray(from, endFrame + 1));
    const motion = span('motion', startFrame + 1);
    const contrast = span('contrast');
    const sharpness = span('sharpness');
    const edges = span('edgeSharpness');
    const moves = this.change.cameraAndScene(startFrame, endFrame);
    // Motion in luma levels scales with the picture's contrast; over the contrast it does not (a dim
    // or hazy copy of a moving shot moves as much). Flat pictures are single_color's, not divided up.
    const localMotion = this.change.localMotion(startFrame, endFrame);
    const meanContrast = mean(contrast);
    const quantiser = span('quantiser');
    return measured({
      motion_mean: mean(motion),
      motion_p90: quantile(motion, 0.9),
      sharpness: quantile(sharpness, 0.5),
      // Left out of a span too short to hold a measured frame (rather than 0, which reads as blurred).
      edge_sharpness: edges.length ? quantile(edges, 0.5) : Number.NaN,
      luma_mean: mean(span('luma')),
      dark_share: mean(span('dark')),
      bright_share: mean(span('bright')),
      contrast: meanContrast,
      colorfulness: mean(span('colorfulness')),
      local_motion: localMotion,
      relative_motion: localMotion / Math.max(meanContrast, SINGLE_COLOR_STD),
      camera_motion: moves.camera,
      scene_motion: moves.scene,
      frozen_share: this.change.frozenShare(startFrame, endFrame),
      single_color_share: share(contrast, (v) => v < SINGLE_COLOR_STD),
      // A bar must be present in every frame that is not dark all over.
      bar_top: min(span('barTop')),
      bar_bottom: min(span('barBottom')),
      bar_left: min(span('barLeft')),
      bar_right: min(span('barRight')),
      // The decoder's frame quantiser on its codec's scale; left out where the codec exports none.
      quantiser: quantiser.length ? mean(quantiser) : Number.NaN,
    });
  }

  /**
   * Up to SIGNATURE_SAMPLES hashes (16 hex digits each) evenly spaced over the clip's hash bins: a
   * copy cut a little earlier or later shares those of the overlap. Empty when the span has no bin.
   * Call after the last frame.
   */
  clipSignature(startFrame: number, endFrame: number): string {
    this.closeBin();
    const { first, last, hi, lo } = this.bins;
    const inside: number[] = [];
    const touching: number[] = [];
    for (let b = 0; b < hi.length; b++) {
      const f = first.at(b);
      const l = last.at(b);
      if (l < startFrame || f > endFrame) continue;
      touching.push(b);
      if (f >= startFrame && l <= endFrame) inside.push(b);
    }
    // Bins that straddle the clip's ends mix in other footage; use them only when nothing else exists.
    const pool = inside.length > 0 ? inside : touching;
    if (pool.length === 0) return '';
    const samples = Math.min(SIGNATURE_SAMPLES, pool.length);
    let out = '';
    for (let k = 0; k < samples; k++) {
      const b = pool[Math.floor(((k + 0.5) * pool.length) / samples)];
      out += hashHex(hi[b], lo[b]);
    }
    return out;
  }

  /** Hashes the averaged thumbnail of the open bin, if it holds frames. */
  private closeBin(): void {
    if (this.binFrames === 0) return;
    const thumb = this.binThumb;
    for (let i = 0; i < thumb.length; i++) thumb[i] /= this.binFrames;
    const [h, l] = phash(thumb);
    const n = this.bins.hi.length;
    this.bins.first.set(n, this.binFirstFrame);
    this.bins.last.set(n, this.frames - 1);
    this.bins.hi.push(h);
    this.bins.lo.push(l);
    thumb.fill(0);
    this.binFrames = 0;
  }
}

/**
 * Signals of the whole source, known from the probe without decoding: bits per pixel per frame
 * (container bit rate over width x height x fps). Heavy compression (x264 crf 51 gives 0.001-0.007)
 * wipes detail out at full size that the small analysis frames cannot see; good encodes of real
 * footage sit well above 0.02. Absent when the container states no bit rate.
 */
export function sourceSignals(probe: ProbeInfo): ClipSignals {
  const { width, height, fps } = probe.video;
  const bitRate = probe.bitRate ?? 0;
  if (!(bitRate > 0 && width * height * fps > 0)) return {};
  return { bits_per_pixel: bitRate / (width * height * fps) };
}

/** Signals without the ones a span gives no value for (local motion of a span shorter than its look-back). */
const measured = (signals: ClipSignals): ClipSignals => Object.fromEntries(Object.entries(signals).filter(([, v]) => Number.isFinite(v)));

function finite(values: Float32Array): number[] {
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v)) out.push(v);
  return out;
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
const min = (v: number[]) => (v.length ? v.reduce((a, b) => Math.min(a, b)) : 0);
const share = (v: number[], test: (x: number) => boolean) => (v.length ? v.filter(test).length / v.length : 0);
