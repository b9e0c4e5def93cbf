/**
 * The WebAssembly kernels against plain JavaScript written the way the analysis computed these
 * values before them (the oracle here): the luma plane, cell sums, frame difference, counts,
 * signature pass and edge sharpness must agree bit for bit, the float sums whose order changed to
 * 1e-12. And the committed pixels.wasm must be what wasm/pixels.ts compiles to.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { edgeSharpness } from '../../src/analysis/edge-sharpness.js';
import { measureFrame, sharpnessOf } from '../../src/analysis/frame-metrics.js';
import { Thumbnailer } from '../../src/analysis/phash.js';
import { PixelKernels, ShiftSearch, SignaturePixels, TOTAL } from '../../src/analysis/pixel-kernels.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Deterministic pseudo-random bytes (xorshift). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 255;
  }
  return out;
}

/** A frame of noise with smooth regions, flat studio-black and white patches, and pixels exactly on the count bounds. */
function testFrame(width: number, height: number, seed: number): Uint8Array {
  const rgb = randomBytes(width * height * 3, seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 3 * (y * width + x);
      const kind = (x + 3 * y + seed) % 7;
      if (kind === 0) rgb.fill(16, p, p + 3); // luma 16 by float64 rounding just under it
      else if (kind === 1) rgb.fill(235, p, p + 3);
      else if (kind === 2) rgb.set([(x * 5) & 255, (y * 3) & 255, ((x + y) * 2) & 255], p);
      else if (kind === 3) rgb.set([0, 0, 140], p); // 114 × 140 = 15960: luma 15.96
    }
  }
  return rgb;
}

/** The per-pixel loop of measureFrame as it was in JavaScript. */
function oracleMeasure(rgb: Uint8Array, prev: Float32Array | undefined, th: Thumbnailer) {
  const n = th.width * th.height;
  const luma = new Float32Array(n);
  const cells = new Float64Array(1024);
  let sum = 0, sumSq = 0, dark = 0, bright = 0, rg = 0, rgSq = 0, yb = 0, ybSq = 0, diff = 0;
  for (let y = 0, i = 0; y < th.height; y++) {
    for (let x = 0; x < th.width; x++, i++) {
      const [r, g, b] = [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]];
      const v = 0.299 * r + 0.587 * g + 0.114 * b;
      luma[i] = v;
      diff += Math.abs(luma[i] - (prev ? prev[i] : 0));
      cells[th.cellOfRow[y] + th.cellOfColumn[x]] += luma[i];
      sum += v;
      sumSq += v * v;
      dark += v < 16 ? 1 : 0;
      bright += v > 235 ? 1 : 0;
      rg += r - g;
      rgSq += (r - g) ** 2;
      yb += 0.5 * (r + g) - b;
      ybSq += (0.5 * (r + g) - b) ** 2;
    }
  }
  return { luma, cells, sum, sumSq, dark, bright, rg, rgSq, yb, ybSq, diff };
}

function oracleEnergies(luma: Float32Array, width: number, height: number): [number, number] {
  let lap2 = 0, grad2 = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const lap = luma[i - 1] + luma[i + 1] + luma[i - width] + luma[i + width] - 4 * luma[i];
      lap2 += lap * lap;
      grad2 += (luma[i + 1] - luma[i]) ** 2 + (luma[i + width] - luma[i]) ** 2;
    }
  }
  return [lap2, grad2];
}

/** Edge sharpness as the JavaScript measure computed it. */
function oracleEdge(luma: Float32Array, width: number, height: number): number {
  if (width < 5 || height < 5) return 0;
  const rows = new Float32Array(luma.length);
  const blurred = new Float32Array(luma.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (xx: number) => luma[y * width + Math.min(width - 1, Math.max(0, xx))];
      rows[y * width + x] = (at(x - 1) + at(x) + at(x + 1)) / 3;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (yy: number) => rows[Math.min(height - 1, Math.max(0, yy)) * width + x];
      blurred[y * width + x] = (at(y - 1) + at(y) + at(y + 1)) / 3;
    }
  }
  const slope = (p: Float32Array, i: number) => {
    const gx = p[i + 1] - p[i - 1];
    const gy = p[i + width] - p[i - width];
    return 0.5 * Math.sqrt(gx * gx + gy * gy);
  };
  const hist = new Uint32Array(1024);
  const slopes = new Float32Array(luma.length);
  let counted = 0;
  for (let y = 2; y < height - 2; y++) {
    for (let x = 2; x < width - 2; x++) {
      const i = y * width + x;
      const s = slope(blurred, i);
      slopes[i] = s;
      hist[Math.min(1023, Math.floor(s / 0.25))]++;
      counted++;
    }
  }
  const rank = Math.ceil(0.999 * counted);
  let seen = 0;
  let q = 1024 * 0.25;
  for (let b = 0; b < 1024; b++) {
    seen += hist[b];
    if (seen >= rank) {
      q = (b + 1) * 0.25;
      break;
    }
  }
  const cut = Math.max(1, 0.5 * q);
  let sharp = 0, reblurred = 0;
  for (let y = 2; y < height - 2; y++) {
    for (let x = 2; x < width - 2; x++) {
      const i = y * width + x;
      const s = slopes[i];
      const original = slope(luma, i);
      if (s < cut || original < cut) continue;
      const weight = s * s * s * s;
      sharp += weight * original;
      reblurred += weight * s;
    }
  }
  return sharp > 0 ? Math.max(0, 100 * (1 - reblurred / sharp)) : 0;
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);

/** Sizes that leave SIMD tails of every length, down to the smallest the measures take. */
const SIZES: [number, number][] = [[160, 120], [158, 90], [17, 11], [5, 5], [6, 200], [33, 7]];

describe('PixelKernels', () => {
  for (const [width, height] of SIZES) {
    it(`measures a ${width}x${height} frame as the JavaScript did`, () => {
      const th = new Thumbnailer(width, height);
      const kernels = new PixelKernels(th);
      let prev: Float32Array | undefined;
      for (let seed = 1; seed <= 3; seed++) {
        const rgb = testFrame(width, height, seed);
        const want = oracleMeasure(rgb, prev, th);
        const got = measureFrame(kernels, rgb, prev !== undefined);
        const t = kernels.totals;
        assert.deepEqual(kernels.luma, want.luma, 'luma plane');
        assert.deepEqual(kernels.cellSums, want.cells, 'cell sums');
        assert.equal(t[TOTAL.DARK], want.dark, 'dark count (studio black included, as float64 rounding put it)');
        assert.equal(t[TOTAL.BRIGHT], want.bright, 'bright count');
        for (const k of ['RG', 'RG_SQ', 'YB', 'YB_SQ'] as const) assert.equal(t[TOTAL[k]], want[k === 'RG' ? 'rg' : k === 'RG_SQ' ? 'rgSq' : k === 'YB' ? 'yb' : 'ybSq'], k);
        if (prev) assert.equal(t[TOTAL.DIFF], want.diff, 'frame difference');
        else assert.ok(Number.isNaN(got.motion), 'no motion for the first frame');
        close(t[TOTAL.SUM], want.sum, 'luma sum');
        close(t[TOTAL.SUM_SQ], want.sumSq, 'luma sum of squares');
        const [lap2, grad2] = oracleEnergies(want.luma, width, height);
        close(sharpnessOf(kernels), grad2 > 0 ? (100 * lap2) / grad2 : 0, 'sharpness');
        assert.equal(kernels.edgeSharpness(), oracleEdge(want.luma, width, height), 'edge sharpness');
        prev = want.luma;
      }
    });
  }

  it('measures edge sharpness of a plane from elsewhere, of any size, as the JavaScript did', () => {
    for (const [width, height] of [...SIZES, [4, 9] as [number, number]]) {
      const bytes = randomBytes(width * height, width * 31 + height);
      // A smooth picture with a few hard edges, and noise on it.
      const luma = Float32Array.from(bytes, (v, i) => ((i % width) * 7 > width * 3 ? 180 : 40) + ((i / width) | 0) + v / 32);
      assert.equal(edgeSharpness(luma, width, height), oracleEdge(luma, width, height), `${width}x${height}`);
    }
  });
});

describe('SignaturePixels', () => {
  it('sums integer luma per cell and counts luma and chroma values as the JavaScript did', () => {
    for (const [width, height] of SIZES) {
      const cols = 32;
      const rows = Math.max(4, Math.round((cols * height) / width));
      const cellOfColumn = Uint32Array.from({ length: width }, (_, x) => Math.floor((x * cols) / width));
      const rowBase = Uint32Array.from({ length: height }, (_, y) => Math.min(rows - 1, Math.floor((y * rows) / height)) * cols);
      const pass = new SignaturePixels(width, height, cellOfColumn, rowBase, cols * rows);
      const rgb = testFrame(width, height, 7);
      const sums = new Uint32Array(cols * rows);
      const counts = new Uint32Array(768);
      for (let y = 0, p = 0; y < height; y++) {
        for (let x = 0; x < width; x++, p += 3) {
          const l = (77 * rgb[p] + 150 * rgb[p + 1] + 29 * rgb[p + 2]) >> 8;
          sums[rowBase[y] + cellOfColumn[x]] += l;
          counts[l]++;
          counts[256 + ((rgb[p + 2] - l + 255) >> 1)]++;
          counts[512 + ((rgb[p] - l + 255) >> 1)]++;
        }
      }
      pass.measure(rgb);
      assert.deepEqual(pass.lumaSums, sums, `${width}x${height} cell sums`);
      assert.deepEqual(pass.valueCounts, counts, `${width}x${height} value counts`);
    }
  });
});

describe('ShiftSearch', () => {
  /** The search as the JavaScript did it: every shift summed in full, cell by cell. */
  function oracleLeast(a: Float32Array, b: Float32Array, cols: number, rows: number, radius: number): number {
    let best = Infinity;
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        let sum = 0;
        const y0 = Math.max(0, -dy), y1 = Math.min(rows, rows - dy), x0 = Math.max(0, -dx), x1 = Math.min(cols, cols - dx);
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += Math.abs(a[y * cols + x] - b[(y + dy) * cols + dx + x]);
        const n = Math.max(0, y1 - y0) * Math.max(0, x1 - x0);
        best = Math.min(best, n ? sum / n : 0);
      }
    }
    return best;
  }

  it('finds the least mean difference over small shifts, as the full search does', () => {
    const search = new ShiftSearch(32 * 24);
    for (const [cols, rows] of [[32, 24], [32, 18], [7, 5], [13, 9]]) {
      const noise = randomBytes(2 * cols * rows, cols + rows);
      const a = Float32Array.from({ length: cols * rows }, (_, i) => noise[i] - 128 + (i % cols) * 0.37);
      for (const [sx, sy] of [[0, 0], [1, -2], [-2, 1], [2, 2]]) {
        // `b` is `a` moved by (sx, sy) cells plus a little noise, so the least is at that shift.
        const b = Float32Array.from({ length: cols * rows }, (_, i) => {
          const x = Math.min(cols - 1, Math.max(0, (i % cols) - sx));
          const y = Math.min(rows - 1, Math.max(0, Math.floor(i / cols) - sy));
          return a[y * cols + x] + noise[cols * rows + i] / 64;
        });
        close(search.least(a, b, cols, rows, 2), oracleLeast(a, b, cols, rows, 2), `${cols}x${rows} moved ${sx},${sy}`);
        close(search.least(b, a, cols, rows, 1), oracleLeast(b, a, cols, rows, 1), `${cols}x${rows} moved ${sx},${sy}, radius 1`);
      }
      assert.equal(search.least(a, a, cols, rows, 2), 0, `${cols}x${rows} against itself`);
    }
  });
});

describe('pixels.wasm', () => {
  it('is what wasm/pixels.ts compiles to (run scripts/build-wasm.sh after changing it)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'clipmill-wasm-'));
    try {
      const out = path.join(dir, 'pixels.wasm');
      execFileSync('bash', [path.join(ROOT, 'scripts/build-wasm.sh'), out], { cwd: ROOT, stdio: 'pipe' });
      assert.ok(readFileSync(out).equals(readFileSync(path.join(ROOT, 'src/analysis/pixels.wasm'))), 'the committed pixels.wasm is stale');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
