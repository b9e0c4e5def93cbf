/**
 * The shortcuts of the signature distances against the plain computations they stand for:
 * frameDistanceBelow must give frameDistance's exact value wherever that is below the bound, and
 * isMixOf must answer as the smallest mix residual over all 81 shift pairs (computed here in full,
 * the way the detector did before) compared with the limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeSignature, frameDistance, frameDistanceBelow, isMixOf, newSignature, type ShotSignature } from '../../src/analysis/shot-features.js';

const W = 160;
const H = 90;

/** A smooth picture: a few soft blobs of colour over a gradient, placed by `seed`. */
function picture(seed: number): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  const blobs = Array.from({ length: 4 }, (_, k) => ({
    x: (seed * 37 + k * 53) % W,
    y: (seed * 17 + k * 29) % H,
    r: 10 + ((seed + k * 7) % 25),
    c: [(seed * 40 + k * 90) % 256, (seed * 70 + k * 30) % 256, (seed * 20 + k * 60) % 256],
  }));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = 3 * (y * W + x);
      const px = [(x + seed * 11) % 256, (y * 2 + seed * 5) % 256, ((x + y) / 2 + seed * 3) % 256];
      for (const b of blobs) {
        const w = Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
        for (let ch = 0; ch < 3; ch++) px[ch] = px[ch] * (1 - w) + b.c[ch] * w;
      }
      rgb.set(px.map((v) => Math.round(v)), p);
    }
  }
  return rgb;
}

/** `a` weighted by w plus `b` by 1 - w, pixel by pixel. */
function blend(a: Uint8Array, b: Uint8Array, w: number): Uint8Array {
  return a.map((v, i) => Math.round(w * v + (1 - w) * b[i]));
}

function signature(rgb: Uint8Array): ShotSignature {
  const sig = newSignature(W, H);
  computeSignature(rgb, W, H, sig);
  return sig;
}

/** The smallest mix residual over every pair of shifts of `pre` and `post`, in full. */
function oracleMixResidual(pre: ShotSignature, mid: ShotSignature, post: ShotSignature): number {
  const shifted = (sig: ShotSignature, dx: number, dy: number) => {
    const out = new Float32Array(sig.grid.length);
    for (let y = 0; y < sig.rows; y++) {
      const sy = Math.min(sig.rows - 1, Math.max(0, y + dy));
      for (let x = 0; x < sig.cols; x++) out[y * sig.cols + x] = sig.grid[sy * sig.cols + Math.min(sig.cols - 1, Math.max(0, x + dx))];
    }
    return out;
  };
  let best = Infinity;
  for (let s = 0; s < 81; s++) {
    const p = shifted(pre, (s % 3) - 1, (Math.floor(s / 3) % 3) - 1);
    const q = shifted(post, (Math.floor(s / 9) % 3) - 1, Math.floor(s / 27) - 1);
    let num = 0;
    let den = 0;
    for (let i = 0; i < p.length; i++) {
      num += (mid.grid[i] - q[i]) * (p[i] - q[i]);
      den += (p[i] - q[i]) ** 2;
    }
    const w = den > 0 ? Math.min(1, Math.max(0, num / den)) : 0.5;
    let blendSum = 0;
    let choice = 0;
    let scale = 0;
    for (let i = 0; i < p.length; i++) {
      blendSum += Math.abs(mid.grid[i] - (w * p[i] + (1 - w) * q[i]));
      choice += Math.min(Math.abs(mid.grid[i] - p[i]), Math.abs(mid.grid[i] - q[i]));
      scale += Math.abs(p[i] - q[i]);
    }
    best = Math.min(best, scale > 0 ? Math.min(blendSum, choice) / scale : 0);
  }
  return best;
}

const pictures = Array.from({ length: 8 }, (_, k) => picture(k + 1));
const sigs = pictures.map(signature);

describe('frameDistanceBelow', () => {
  it('gives frameDistance exactly below the bound and at least the bound elsewhere', () => {
    let below = 0;
    let above = 0;
    for (const a of sigs) {
      for (const b of sigs) {
        const d = frameDistance(a, b);
        for (const bound of [Infinity, d * 2, d * (1 + 1e-12), d, d * 0.999, d * 0.5, d * 0.01, 0]) {
          const got = frameDistanceBelow(a, b, bound);
          if (d < bound) {
            assert.equal(got, d, `bound ${bound}`);
            below++;
          } else {
            assert.ok(got >= bound, `${got} should be at least ${bound}`);
            above++;
          }
        }
      }
    }
    assert.ok(below > 50 && above > 50);
  });
});

describe('isMixOf', () => {
  it('answers as the smallest residual over all 81 shift pairs against the limit', () => {
    const cases: [ShotSignature, ShotSignature, ShotSignature][] = [];
    for (let k = 0; k + 1 < pictures.length; k++) {
      const [pre, post] = [pictures[k], pictures[k + 1]];
      for (const w of [0.2, 0.5, 0.8]) cases.push([sigs[k], signature(blend(pre, post, w)), sigs[k + 1]]);
      cases.push([sigs[k], sigs[(k + 3) % sigs.length], sigs[k + 1]]); // an unrelated picture between
    }
    let mixes = 0;
    let others = 0;
    for (const [pre, mid, post] of cases) {
      const residual = oracleMixResidual(pre, mid, post);
      for (const limit of [0.3, residual, residual * 1.01, residual * 0.99, 0]) {
        assert.equal(isMixOf(pre, mid, post, limit), residual <= limit, `residual ${residual}, limit ${limit}`);
      }
      if (residual <= 0.3) mixes++;
      else others++;
    }
    // Both answers occur: blends are mixes, unrelated pictures are not.
    assert.ok(mixes >= 7 && others >= 3, `${mixes} mixes, ${others} others`);
  });
});
