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
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { medianOf, quantile } from '../../src/segment/stats.js';
import { MEDIA_CACHE, SPLITS, copiesOf, locate, mediaIndex, type Copy } from './footage.js';

/** A variant of the shipped measure: a (2r+1)² box re-blur, edges where the re-blurred slope reaches `share` × its `quantile`. */
interface Variant { name: string; radius: number; quantile: number; share: number }
const VARIANTS: Variant[] = [
  { name: '5x5 re-blur', radius: 2, quantile: 0.999, share: 0.5 },
  { name: '7x7 re-blur', radius: 3, quantile: 0.999, share: 0.5 },
  { name: '3x3, edges from q.99', radius: 1, quantile: 0.99, share: 0.5 },
  { name: '3x3, edges from q.9999, 0.8', radius: 1, quantile: 0.9999, share: 0.8 },
  { name: '5x5, edges from q.99', radius: 2, quantile: 0.99, share: 0.5 },
];
/** The shipped measure itself (src/analysis/edge-sharpness.ts) first, then the variants. */
const MEASURES: { name: string; of: (luma: Float32Array, w: number, h: number) => number }[] = [
  { name: 'shipped (3x3, q.999, 0.5)', of: edgeSharpness },
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
  let sharp = 0, reblurred = 0;
  for (let y = m; y < h - m; y++) for (let x = m; x < w - m; x++) {
    const i = y * w + x;
    if (slopes[i] < cut) continue;
    sharp += slope(luma, i, w);
    reblurred += slopes[i];
  }
  return sharp > 0 ? Math.max(0, 100 * (1 - reblurred / sharp)) : 0;
}

async function scores(copy: Copy): Promise<number[]> {
  const info = await probe(copy.file);
  const size = analysisSize(info.video.width, info.video.height, 160);
  const per: number[][] = MEASURES.map(() => []);
  let n = 0;
  for await (const f of readFrames(copy.file, { ...size, source: info.video })) {
    if (n++ % 4) continue;
    const luma = new Float32Array(size.width * size.height);
    // The weights of measureFrame (src/analysis/frame-metrics.ts), which the pipeline measures on.
    for (let i = 0; i < luma.length; i++) luma[i] = 0.299 * f.data[3 * i] + 0.587 * f.data[3 * i + 1] + 0.114 * f.data[3 * i + 2];
    MEASURES.forEach((m, k) => per[k].push(m.of(luma, size.width, size.height)));
  }
  return per.map(medianOf);
}

async function main(): Promise<void> {
  const index = await mediaIndex();
  const dir = path.join(MEDIA_CACHE, 'filter-copies');
  const rows: { copy: string; blurry: boolean; s: number[] }[] = [];
  for (const v of SPLITS.dev.videos) {
    const file = locate(index, v.file);
    const info = await probe(file);
    for (const c of await copiesOf(v, file, { ...info.video }, dir)) {
      if (c.expect !== 'good' && c.expect !== 'blurry') continue;
      rows.push({ copy: c.name, blurry: c.expect === 'blurry', s: await scores(c) });
    }
  }
  console.log('| variant | least sharp good copy | sharpest blurred copy | gap (share of the good value) |\n| --- | --- | --- | --- |');
  MEASURES.forEach((v, k) => {
    const good = rows.filter((r) => !r.blurry).sort((a, b) => a.s[k] - b.s[k])[0];
    const blur = rows.filter((r) => r.blurry).sort((a, b) => b.s[k] - a.s[k])[0];
    const gap = (good.s[k] - blur.s[k]) / good.s[k];
    console.log(`| ${v.name} | ${good.s[k].toFixed(1)} (${good.copy}) | ${blur.s[k].toFixed(1)} (${blur.copy}) | ${(100 * gap).toFixed(0)}% |`);
  });
}

await main();
