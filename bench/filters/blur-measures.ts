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
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { MEDIA_CACHE, SPLITS, copiesOf, locate, mediaIndex, type Copy } from './footage.js';

interface Variant { name: string; radius: number; quantile: number; share: number }
const VARIANTS: Variant[] = [
  { name: 'shipped (3x3, q.999, 0.5)', radius: 1, quantile: 0.999, share: 0.5 },
  { name: '5x5 re-blur', radius: 2, quantile: 0.999, share: 0.5 },
  { name: '7x7 re-blur', radius: 3, quantile: 0.999, share: 0.5 },
  { name: '3x3, edges from q.99', radius: 1, quantile: 0.99, share: 0.5 },
  { name: '3x3, edges from q.9999, 0.8', radius: 1, quantile: 0.9999, share: 0.8 },
  { name: '5x5, edges from q.99', radius: 2, quantile: 0.99, share: 0.5 },
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

function measure(luma: Float32Array, w: number, h: number, v: Variant): number {
  const b = boxBlur(luma, w, h, v.radius);
  const m = v.radius + 1;
  const slopes: number[] = [];
  const idx: number[] = [];
  for (let y = m; y < h - m; y++) for (let x = m; x < w - m; x++) { const i = y * w + x; slopes.push(slope(b, i, w)); idx.push(i); }
  const sorted = Float64Array.from(slopes).sort();
  const cut = Math.max(1, v.share * sorted[Math.min(sorted.length - 1, Math.ceil(v.quantile * sorted.length) - 1)]);
  let sharp = 0, re = 0;
  for (let k = 0; k < idx.length; k++) if (slopes[k] >= cut) { sharp += slope(luma, idx[k], w); re += slopes[k]; }
  return sharp > 0 ? Math.max(0, 100 * (1 - re / sharp)) : 0;
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function scores(copy: Copy): Promise<number[]> {
  const info = await probe(copy.file);
  const size = analysisSize(info.video.width, info.video.height, 160);
  const per: number[][] = VARIANTS.map(() => []);
  let n = 0;
  for await (const f of readFrames(copy.file, { ...size, source: info.video })) {
    if (n++ % 4) continue;
    const luma = new Float32Array(size.width * size.height);
    for (let i = 0; i < luma.length; i++) luma[i] = 0.299 * f.data[3 * i] + 0.587 * f.data[3 * i + 1] + 0.114 * f.data[3 * i + 2];
    VARIANTS.forEach((v, k) => per[k].push(measure(luma, size.width, size.height, v)));
  }
  return per.map(median);
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
  VARIANTS.forEach((v, k) => {
    const good = rows.filter((r) => !r.blurry).sort((a, b) => a.s[k] - b.s[k])[0];
    const blur = rows.filter((r) => r.blurry).sort((a, b) => b.s[k] - a.s[k])[0];
    const gap = (good.s[k] - blur.s[k]) / good.s[k];
    console.log(`| ${v.name} | ${good.s[k].toFixed(1)} (${good.copy}) | ${blur.s[k].toFixed(1)} (${blur.copy}) | ${(100 * gap).toFixed(0)}% |`);
  });
}

await main();
