/**
 * Variants of the edge-sharpness blur measure, compared on the filter benchmark's dev copies (made
 * by run.ts): for each good or blurred copy, the median over every 4th analysis frame of each
 * variant, and per variant the gap between the least sharp good copy and the sharpest blurred one
 * (relative to the good one). For trying a measure on dev before it goes into src; reads only dev.
 *
 *   node --import tsx bench/filters/run.ts --dev-only     # makes the copies
 *   node --import tsx bench/filters/blur-measures.ts
 */
import path from 'node:path';
import { probe } from '../../src/media/probe.js';
import { edgeSharpness } from '../../src/analysis/edge-sharpness.js';
import { measureFrame, sharpnessOf } from '../../src/analysis/frame-metrics.js';
import { Thumbnailer } from '../../src/analysis/phash.js';
import { PixelKernels } from '../../src/analysis/pixel-kernels.js';
import { FilterConfig } from '../../src/config/schema.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { medianOf, quantile } from '../../src/segment/stats.js';
import { MEDIA_CACHE, SPLITS, copiesOf, locate, mediaIndex, type Copy } from './footage.js';

/** A variant of the measure: a (2r+1)² box re-blur and a rule for which pixels of the re-blurred copy are edges. */
interface Variant {
  name: string;
  radius: number;
  /** Edges: re-blurred slope ≥ share × its quantile ... */
  quantile: number;
  share: number;
  /** ... and, with `seed`, only those 8-connected to a pixel whose slope reaches seed.share × seed.quantile. */
  seed?: { quantile: number; share: number };
  /** Weight each edge pixel by its re-blurred slope to this power (0: plain sums, the measure shipped until Dec 2). */
  power?: number;
}
const VARIANTS: Variant[] = [
  { name: '3x3, plain sums (shipped until Dec 2)', radius: 1, quantile: 0.999, share: 0.5 },
  { name: '5x5 re-blur', radius: 2, quantile: 0.999, share: 0.5 },
  { name: '7x7 re-blur', radius: 3, quantile: 0.999, share: 0.5 },
  { name: '3x3, edges from q.99', radius: 1, quantile: 0.99, share: 0.5 },
  { name: '3x3, edges from q.9999, 0.8', radius: 1, quantile: 0.9999, share: 0.8 },
  { name: '5x5, edges from q.99', radius: 2, quantile: 0.99, share: 0.5 },
  { name: '3x3, slope⁴ weights, edges of the re-blurred copy only', radius: 1, quantile: 0.999, share: 0.5, power: 4 },
  { name: '3x3, edges ≥ 0.5 q.999, slope² weights', radius: 1, quantile: 0.999, share: 0.5, power: 2 },
  { name: '3x3, edges ≥ 0.5 q.999, slope⁶ weights', radius: 1, quantile: 0.999, share: 0.5, power: 6 },
  { name: '3x3, edges ≥ 0.5 q.999, slope⁸ weights', radius: 1, quantile: 0.999, share: 0.5, power: 8 },
  { name: '3x3, edges ≥ 0.25 q.999, slope⁴ weights', radius: 1, quantile: 0.999, share: 0.25, power: 4 },
  { name: '3x3, edges ≥ 0.25 q.999, slope⁶ weights', radius: 1, quantile: 0.999, share: 0.25, power: 6 },
  { name: '3x3, edges ≥ 0.5 q.999 joined to ≥ 0.8 q.9999', radius: 1, quantile: 0.999, share: 0.5, seed: { quantile: 0.9999, share: 0.8 } },
  { name: '3x3, edges ≥ 0.3 q.999 joined to ≥ 0.8 q.9999', radius: 1, quantile: 0.999, share: 0.3, seed: { quantile: 0.9999, share: 0.8 } },
  { name: '3x3, edges ≥ 0.5 q.999 joined to ≥ 0.8 q.9999, slope² weights', radius: 1, quantile: 0.999, share: 0.5, seed: { quantile: 0.9999, share: 0.8 }, power: 2 },
];
/** The shipped measure itself (src/analysis/edge-sharpness.ts) first, then the variants. */
const MEASURES: { name: string; of: (luma: Float32Array, w: number, h: number) => number }[] = [
  { name: 'shipped (3x3, q.999, 0.5, slope⁴ weights, edges before and after the re-blur)', of: edgeSharpness },
  ...VARIANTS.map((v) => ({ name: v.name, of: (luma: Float32Array, w: number, h: number) => variant(luma, w, h, v) })),
];

function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const rows = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = -r; k <= r; k++) s += src[y * w + Math.min(w - 1, Math.max(0, x + k))];
    rows[y * w + x] = s / n;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = -r; k <= r; k++) s += rows[Math.min(h - 1, Math.max(0, y + k)) * w + x];
    out[y * w + x] = s / n;
  }
  return out;
}

const slope = (p: Float32Array, i: number, w: number) => 0.5 * Math.hypot(p[i + 1] - p[i - 1], p[i + w] - p[i - w]);

function variant(luma: Float32Array, w: number, h: number, v: Variant): number {
  const blurred = boxBlur(luma, w, h, v.radius);
  const m = v.radius + 1; // where the re-blur is whole
  const slopes = new Float32Array(luma.length);
  const inside: number[] = [];
  for (let y = m; y < h - m; y++) for (let x = m; x < w - m; x++) inside.push((slopes[y * w + x] = slope(blurred, y * w + x, w)));
  const cut = Math.max(1, v.share * quantile(inside, v.quantile));
  const edge = new Uint8Array(luma.length);
  for (let y = m; y < h - m; y++) for (let x = m; x < w - m; x++) edge[y * w + x] = slopes[y * w + x] >= cut ? 1 : 0;
  const kept = v.seed ? joinedTo(edge, slopes, w, h, Math.max(1, v.seed.share * quantile(inside, v.seed.quantile))) : edge;
  let sharp = 0, reblurred = 0;
  for (let i = 0; i < luma.length; i++) {
    if (!kept[i]) continue;
    const weight = slopes[i] ** (v.power ?? 0);
    sharp += weight * slope(luma, i, w);
    reblurred += weight * slopes[i];
  }
  return sharp > 0 ? Math.max(0, 100 * (1 - reblurred / sharp)) : 0;
}

/** The edge pixels 8-connected (through edge pixels) to an edge pixel whose slope reaches `seedCut`. */
function joinedTo(edge: Uint8Array, slopes: Float32Array, w: number, h: number, seedCut: number): Uint8Array {
  const kept = new Uint8Array(edge.length);
  const stack: number[] = [];
  for (let i = 0; i < edge.length; i++) if (edge[i] && slopes[i] >= seedCut) { kept[i] = 1; stack.push(i); }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w, y = (i - x) / w;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const nx = x + dx, ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
      const j = ny * w + nx;
      if (edge[j] && !kept[j]) { kept[j] = 1; stack.push(j); }
    }
  }
  return kept;
}

/** Per copy: the median of each measure, and of the Laplacian sharpness the other blur rule reads. */
async function scores(copy: Copy): Promise<{ s: number[]; laplacian: number }> {
  const info = await probe(copy.file);
  const size = analysisSize(info.video.width, info.video.height, 160);
  const per: number[][] = MEASURES.map(() => []);
  const laplacian: number[] = [];
  const pixels = new PixelKernels(new Thumbnailer(size.width, size.height));
  let n = 0;
  for await (const f of readFrames(copy.file, { ...size, source: info.video })) {
    if (n++ % 4) continue;
    // The luma plane the pipeline measures on.
    measureFrame(pixels, f.data, false);
    MEASURES.forEach((m, k) => per[k].push(m.of(pixels.luma, size.width, size.height)));
    laplacian.push(sharpnessOf(pixels));
  }
  return { s: per.map(medianOf), laplacian: medianOf(laplacian) };
}

async function main(): Promise<void> {
  const index = await mediaIndex();
  const dir = path.join(MEDIA_CACHE, 'filter-copies');
  const rows: { copy: string; blurry: boolean; s: number[]; laplacian: number }[] = [];
  for (const v of SPLITS.dev.videos) {
    const file = locate(index, v.file);
    const info = await probe(file);
    for (const c of await copiesOf(v, file, { ...info.video }, dir)) {
      if (c.expect !== 'good' && c.expect !== 'blurry') continue;
      rows.push({ copy: c.name, blurry: c.expect === 'blurry', ...(await scores(c)) });
    }
  }
  // The blurry filter drops a clip when either measure is low: the copies that matter most are the
  // blurred ones the Laplacian rule keeps, which only this measure can drop.
  const minSharpness = FilterConfig.parse({}).minSharpness;
  const good = rows.filter((r) => !r.blurry);
  const blurred = rows.filter((r) => r.blurry);
  const kept = blurred.filter((r) => r.laplacian >= minSharpness);
  console.log(`${kept.length} of ${blurred.length} blurred copies have Laplacian sharpness >= ${minSharpness}: ${kept.map((r) => r.copy).join(', ')}`);
  console.log('| variant | least sharp good copy | sharpest blurred copy | gap (share of the good value) | sharpest of those the Laplacian keeps | gap |\n| --- | --- | --- | --- | --- | --- |');
  const gapOf = (g: number, b: number) => `${(100 * (g - b) / g).toFixed(0)}%`;
  MEASURES.forEach((v, k) => {
    const least = good.reduce((a, r) => (r.s[k] < a.s[k] ? r : a));
    const sharpest = (of: typeof rows) => of.reduce((a, r) => (r.s[k] > a.s[k] ? r : a));
    const all = sharpest(blurred);
    const cell = (r: (typeof rows)[number]) => `${r.s[k].toFixed(1)} (${r.copy})`;
    const rest = kept.length ? sharpest(kept) : undefined;
    console.log(`| ${v.name} | ${cell(least)} | ${cell(all)} | ${gapOf(least.s[k], all.s[k])} | ${rest ? cell(rest) : '-'} | ${rest ? gapOf(least.s[k], rest.s[k]) : '-'} |`);
  });
}

await main();
