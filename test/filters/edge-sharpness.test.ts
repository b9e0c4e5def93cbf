/**
 * Edge sharpness (the blur measure): pictures whose blur is known by construction, drawn in
 * memory and decoded from ffmpeg-made files, at high and at night-like low contrast.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { edgeSharpness } from '../../src/analysis/edge-sharpness.js';
import { FrameSignals } from '../../src/analysis/signals.js';
import { FilterConfig } from '../../src/config/schema.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const MIN_EDGE_SHARPNESS = FilterConfig.parse({}).minEdgeSharpness;

const W = 160;
const H = 90;

/** Seeded uniform numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

/** A picture of flat rectangles of random grey (edges at every scale), 0..1. */
function rectangles(seed = 7): Float32Array {
  const rnd = random(seed);
  const p = new Float32Array(W * H).fill(0.5);
  for (let k = 0; k < 60; k++) {
    const x0 = Math.floor(rnd() * W);
    const y0 = Math.floor(rnd() * H);
    const w = 3 + Math.floor(rnd() * 30);
    const h = 3 + Math.floor(rnd() * 20);
    const v = rnd();
    for (let y = y0; y < Math.min(H, y0 + h); y++) for (let x = x0; x < Math.min(W, x0 + w); x++) p[y * W + x] = v;
  }
  return p;
}

/** Separable Gaussian blur of `sigma` pixels, borders clamped. */
function gaussian(src: Float32Array, sigma: number): Float32Array {
  const r = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const pass = (from: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(from.length);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          const xx = horizontal ? Math.min(W - 1, Math.max(0, x + i)) : x;
          const yy = horizontal ? y : Math.min(H - 1, Math.max(0, y + i));
          acc += k[i + r] * from[yy * W + xx];
        }
        out[y * W + x] = acc / sum;
      }
    }
    return out;
  };
  return pass(pass(src, true), false);
}

/** 8-bit luma of a 0..1 picture at `low`..`high` levels, with uniform noise of ±`noise` levels. */
function levels(p: Float32Array, low: number, high: number, noise = 0, seed = 3): Float32Array {
  const rnd = random(seed);
  return p.map((v) => Math.max(0, Math.min(255, Math.round(low + v * (high - low) + (rnd() * 2 - 1) * noise))));
}

describe('edge sharpness', () => {
  it('is 0 for a flat frame and about 33 for an ideal one-pixel step', () => {
    assert.equal(edgeSharpness(new Float32Array(W * H).fill(90), W, H), 0);
    const step = new Float32Array(W * H).map((_, i) => (i % W < W / 2 ? 40 : 200));
    assert.ok(Math.abs(edgeSharpness(step, W, H) - 100 / 3) < 0.5, String(edgeSharpness(step, W, H)));
  });

  it('tells sharp from blurred whatever the contrast, 8-bit levels and noise of the scene', () => {
    const sharp = rectangles();
    const blurred = gaussian(sharp, 1.5);
    // Full range; a night scene (levels 20-52 with ±2 levels of noise); a hazy flat one (110-130).
    for (const [low, high, noise] of [[0, 255, 0], [20, 52, 2], [110, 130, 1]]) {
      const s = edgeSharpness(levels(sharp, low, high, noise), W, H);
      const b = edgeSharpness(levels(blurred, low, high, noise), W, H);
      assert.ok(s > MIN_EDGE_SHARPNESS + 3, `sharp at ${low}-${high}: ${s}`);
      assert.ok(b < MIN_EDGE_SHARPNESS - 1, `blurred at ${low}-${high}: ${b}`);
    }
  });

  it('reads point lights on a night scene as sharp, and blurred as blurred', () => {
    // Dark blocks of buildings (levels 18-38 on 12) under 80 one-pixel lights (120-255): the re-blur
    // spreads each light's slope onto pixels that had none, which must not read as a soft edge.
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed);
      const p = new Float32Array(W * H).fill(12);
      for (let k = 0; k < 25; k++) {
        const x0 = Math.floor(rnd() * W);
        const y0 = Math.floor(rnd() * H * 0.5 + H * 0.3);
        const w = 5 + Math.floor(rnd() * 20);
        const v = 18 + rnd() * 20;
        for (let y = y0; y < H; y++) for (let x = x0; x < Math.min(W, x0 + w); x++) p[y * W + x] = v;
      }
      for (let k = 0; k < 80; k++) p[Math.floor(H * 0.3 + rnd() * H * 0.65) * W + 1 + Math.floor(rnd() * (W - 2))] = 120 + rnd() * 135;
      const unit = p.map((v) => v / 255);
      const s = edgeSharpness(levels(unit, 0, 255, 2), W, H);
      const b = edgeSharpness(levels(gaussian(unit, 1.5), 0, 255, 2), W, H);
      assert.ok(s > MIN_EDGE_SHARPNESS + 3, `sharp lights, seed ${seed}: ${s}`);
      assert.ok(b < MIN_EDGE_SHARPNESS - 1, `blurred lights, seed ${seed}: ${b}`);
    }
  });

  it('finds the edges of a few small objects on a flat background', () => {
    // Two discs of 8 px on grey (a stimulus film): few edge pixels, but sharp ones.
    const p = new Float32Array(W * H).map((_, i) => {
      const x = i % W;
      const y = Math.floor(i / W);
      return Math.hypot(x - 60, y - 45) < 4 || Math.hypot(x - 100, y - 45) < 4 ? 60 : 215;
    });
    assert.ok(edgeSharpness(levels(p.map((v) => v / 255), 0, 255, 1), W, H) > MIN_EDGE_SHARPNESS);
  });
});

describe('edge sharpness of decoded footage', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => dir.remove());

  /** The edge_sharpness signal of one second of a lavfi source through `vf`, read at analysis size as the pipeline does. */
  async function measured(source: string, width: number, height: number, vf: string): Promise<number> {
    const file = dir.file('clip.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', source, '-t', '1', '-vf', vf, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', file]);
    const size = analysisSize(width, height, W);
    const signals = new FrameSignals(size.width, size.height);
    let frames = 0;
    for await (const frame of readFrames(file, size)) {
      signals.push(frame);
      frames++;
    }
    return signals.clipSignals(0, frames - 1).edge_sharpness;
  }

  it('drops a Gaussian blur of 1.5 analysis pixels at two resolutions, at full and at night-like contrast', async () => {
    for (const [w, h] of [[320, 180], [1280, 720]]) {
      const blur = `gblur=sigma=${(1.5 * w) / W}`;
      // A dark, low-contrast copy: a quarter of the contrast, levels around 40.
      const night = 'eq=contrast=0.25:brightness=-0.25';
      for (const source of [`mandelbrot=s=${w}x${h}:r=25`, `testsrc2=s=${w}x${h}:r=25`]) {
        for (const look of ['null', night]) {
          const sharp = await measured(source, w, h, look);
          const blurred = await measured(source, w, h, `${look},${blur}`);
          assert.ok(sharp > MIN_EDGE_SHARPNESS, `${source} ${look}: sharp ${sharp}`);
          assert.ok(blurred < MIN_EDGE_SHARPNESS, `${source} ${look}: blurred ${blurred}`);
        }
      }
    }
  });
});
