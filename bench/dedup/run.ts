/**
 * Duplicate-detection benchmark.
 *  1. Accuracy on real decodes: generated footage, copies made with ffmpeg (re-encoded at crf 40,
 *     halved, cropped 5%, brightened, cut 0.5 s and 1 s later); the same generators with other
 *     seeds are the hard negatives. Pairwise precision and recall of the groups found.
 *  2. Scale: 1,000,000 synthetic signatures (random bases plus copies with known bit-flip rates and
 *     start offsets): time and peak memory of markDuplicates, recall per flip rate, false merges.
 * Run: node --import tsx bench/dedup/run.ts [--synthetic N] [--skip-video] [--tables L] [--key-bits K]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { markDuplicates, type DedupRow } from '../../src/pack/dedup.js';
import { BASE_SOURCES, VARIANTS, makeBase, makeClip, makeVariant, signatureOf } from './footage.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : undefined);
const synthetic = option('--synthetic') ?? 1_000_000;
/** LSH settings to try (defaults: DEDUP_DEFAULTS). */
const lsh = { tables: option('--tables'), keyBits: option('--key-bits') };
for (const [k, v] of Object.entries(lsh)) if (v === undefined) delete lsh[k as keyof typeof lsh];

interface Labelled extends DedupRow {
  truth: string;
}

/** Pairwise precision/recall of predicted groups (clip -> kept clip) against truth labels. */
function pairScores(rows: Labelled[], dup: Map<string, string>): { precision: number; recall: number; tp: number; fp: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const group = (r: Labelled) => dup.get(r.clipId) ?? r.clipId;
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      const predicted = group(rows[i]) === group(rows[j]);
      const truth = rows[i].truth === rows[j].truth;
      if (predicted && truth) tp++;
      else if (predicted) fp++;
      else if (truth) fn++;
    }
  }
  return { precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1), tp, fp, fn };
}

async function videoAccuracy(): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-dedup-bench-'));
  const rows: Labelled[] = [];
  const missed: string[] = [];
  try {
    for (const [name, source] of Object.entries(BASE_SOURCES)) {
      const base = path.join(dir, `${name}.mp4`);
      await makeBase(source, base);
      const add = async (id: string, file: string, truth: string, width: number, height: number) => {
        const { signature, frames } = await signatureOf(file, width, height);
        rows.push({ clipId: id, sourceId: id, signature, width, height, duration: frames / 25, truth });
      };
      await makeClip(base, 0, path.join(dir, `${name}-orig.mp4`));
      await add(`${name}/orig`, path.join(dir, `${name}-orig.mp4`), name, 320, 180);
      for (const variant of Object.keys(VARIANTS) as (keyof typeof VARIANTS)[]) {
        const out = path.join(dir, `${name}-${variant}.mp4`);
        await makeVariant(base, variant, out);
        const half = variant === 'half';
        await add(`${name}/${variant}`, out, name, half ? 160 : 320, half ? 90 : 180);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const dup = markDuplicates(rows, lsh);
  const s = pairScores(rows, dup);
  for (const r of rows) {
    const kept = dup.get(r.clipId);
    const inGroup = rows.filter((o) => o.truth === r.truth && o !== r);
    if (inGroup.length > 0 && !kept && !rows.some((o) => dup.get(o.clipId) === r.clipId)) missed.push(r.clipId);
    if (kept && rows.find((o) => o.clipId === kept)!.truth !== r.truth) missed.push(`${r.clipId} wrongly -> ${kept}`);
  }
  const halfKept = rows.filter((r) => r.clipId.endsWith('/half') && !dup.has(r.clipId)).length;
  return [
    `clips: ${rows.length} (${Object.keys(BASE_SOURCES).length} generators x (original + ${Object.keys(VARIANTS).length} copies); generators with a _b twin differ only by seed/parameters`,
    `pairwise precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`,
    `half-size copies kept although a full-size copy exists: ${halfKept}`,
    `clips not grouped / wrongly grouped: ${missed.length ? missed.join(', ') : 'none'}`,
  ];
}

/** Deterministic xorshift32 random words. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const SAMPLES = 16;
const FLIP_RATES = [0, 2, 4, 6, 8, 10, 12];

function syntheticScale(n: number): string[] {
  const rand = rng(12345);
  const hex = (w: number) => w.toString(16).padStart(8, '0');
  const randomHash = () => [rand(), rand()];
  const flip = ([hi, lo]: number[], bits: number) => {
    const out = [hi, lo];
    const chosen = new Set<number>();
    while (chosen.size < bits) chosen.add(rand() % 64);
    for (const b of chosen) out[b >> 5] = (out[b >> 5] ^ (1 << (31 - (b & 31)))) >>> 0;
    return out;
  };
  const encode = (hashes: number[][]) => hashes.map(([h, l]) => hex(h) + hex(l)).join('');

  // 80% originals; 20% copies of a random original: every sample flipped by a fixed number of bits,
  // and half of the copies also shifted by 4 samples (a 1 s later start), new pictures at the end.
  const originals = Math.floor(n * 0.8);
  const baseHashes: number[][][] = [];
  const rows: DedupRow[] = [];
  const copyOf: (number | undefined)[] = [];
  const flipsOf: number[] = [];
  for (let i = 0; i < originals; i++) {
    const hashes = Array.from({ length: SAMPLES }, randomHash);
    baseHashes.push(hashes);
    rows.push({ clipId: `o${i}`, sourceId: `s${i}`, signature: encode(hashes), width: 1280, height: 720, duration: 4 });
    copyOf.push(undefined);
    flipsOf.push(-1);
  }
  for (let i = originals; i < n; i++) {
    const of = rand() % originals;
    const bits = FLIP_RATES[i % FLIP_RATES.length];
    const shifted = i % 2 === 0;
    const source = shifted ? [...baseHashes[of].slice(4), ...Array.from({ length: 4 }, randomHash)] : baseHashes[of];
    rows.push({ clipId: `c${i}`, sourceId: `s${i}`, signature: encode(source.map((h) => flip(h, bits))), width: 640, height: 360, duration: 4 });
    copyOf.push(of);
    flipsOf.push(bits);
  }
  baseHashes.length = 0;

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const dup = markDuplicates(rows, lsh);
  const seconds = (performance.now() - t0) / 1000;
  const peakMiB = process.resourceUsage().maxRSS / 1024;

  const found = new Map<number, [number, number]>();
  let falseMerges = 0;
  for (let i = 0; i < n; i++) {
    const kept = dup.get(rows[i].clipId);
    const of = copyOf[i];
    if (of === undefined) {
      if (kept !== undefined) falseMerges++;
      continue;
    }
    const [hit, total] = found.get(flipsOf[i]) ?? [0, 0];
    found.set(flipsOf[i], [hit + (kept === `o${of}` ? 1 : 0), total + 1]);
    if (kept !== undefined && kept !== `o${of}`) falseMerges++;
  }
  const recall = FLIP_RATES.map((b) => {
    const [hit, total] = found.get(b) ?? [0, 0];
    return `${b} bits: ${((100 * hit) / (total || 1)).toFixed(1)}%`;
  });
  return [
    `signatures: ${n} (${originals} random originals, ${n - originals} copies; ${SAMPLES} hashes each; half the copies start 4 samples later)`,
    `markDuplicates: ${seconds.toFixed(1)} s, peak RSS ${peakMiB.toFixed(0)} MiB (RSS with the rows loaded, before: ${(rssBefore / 2 ** 20).toFixed(0)} MiB)`,
    `copies matched to their original, by bits flipped per hash: ${recall.join(', ')}`,
    `clips wrongly marked duplicate: ${falseMerges}`,
  ];
}

const lines: string[] = [];
if (!flag('--skip-video')) {
  console.log('## Accuracy on generated variants');
  for (const line of await videoAccuracy()) console.log(`- ${line}`), lines.push(line);
}
console.log(`## Scale: ${synthetic} synthetic signatures`);
for (const line of syntheticScale(synthetic)) console.log(`- ${line}`);
