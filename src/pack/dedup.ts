/**
 * Near-duplicate removal across the whole dataset, without comparing all pairs.
 *
 * A clip signature is up to 16 64-bit pHashes of frames sampled evenly over the clip. Every sample
 * hash goes into L locality-sensitive tables, each keyed by a fixed random choice of K of its 64
 * bits (bit-sampling LSH: two hashes d bits apart share a key with probability (1 - d/64)^K).
 * Clips that share a key in any table are candidates; a candidate pair is confirmed when enough
 * samples of each clip lie within maxBits of some sample of the other, so a copy cut
 * up to a second earlier or later still matches on its overlapping part. Confirmed pairs join
 * groups (union-find); each group keeps its best copy.
 *
 * Buckets are found by radix-sorting (key, clip) pairs, one table at a time, so memory is about
 * 16 bytes per sample for the table and its sort buffers, plus 8 bytes per sample for the hashes.
 */
import { hamming64 } from '../analysis/phash.js';
import { PairSorter } from './dedup-radix.js';
import { shuffled } from '../util/random.js';
import type { ClipRow } from './rows.js';

export interface DedupRow {
  clipId: string;
  sourceId: string;
  /** Concatenated 16-hex-digit hashes (FrameSignals.clipSignature); empty: never a duplicate. */
  signature: string;
  width: number;
  height: number;
  duration: number;
  /** Span in the source, seconds: clips of one source whose spans overlap are never paired. */
  startTime?: number;
  endTime?: number;
}

export interface DedupOptions {
  /** Largest Hamming distance at which two sample hashes count as the same picture. */
  maxBits?: number;
  /** Samples of each clip that must find a match in the other: at least this many... */
  minMatched?: number;
  /** ...and at least this share of the clip's samples (a 1 s offset on a 2 s clip leaves half). */
  minShare?: number;
  /** LSH tables (more: higher recall, more time). */
  tables?: number;
  /** Bits per LSH key (more: fewer random candidates, lower recall). */
  keyBits?: number;
}

export const DEDUP_DEFAULTS: Required<DedupOptions> = { maxBits: 10, minMatched: 3, minShare: 0.4, tables: 12, keyBits: 24 };

/** Samples per clip at most (longer signatures are cut). */
const MAX_SAMPLES = 16;
/** In a bucket, a clip is compared with at most this many group representatives. */
const MAX_REPS = 32;

/** Returns clip id -> clip id of the kept copy, for every clip that duplicates another. */
export function markDuplicates(rows: DedupRow[], options: DedupOptions = {}): Map<string, string> {
  const opts = { ...DEDUP_DEFAULTS, ...options };
  if (rows.length * MAX_SAMPLES >= 2 ** 32) throw new Error('markDuplicates handles at most 268 million clips at once.');
  if (opts.keyBits < 1 || opts.keyBits > 32) throw new Error(`keyBits must be 1..32, not ${opts.keyBits}.`);
  const hashes = parseSignatures(rows);
  const groups = new UnionFind(rows.length);
  const pairable = (a: number, b: number) => rows[a].clipId !== rows[b].clipId && !sameFootage(rows[a], rows[b]);
  const confirm = (a: number, b: number) => matchedOneWay(hashes, a, b, opts) && matchedOneWay(hashes, b, a, opts);

  const table = new BucketTable(hashes);
  for (let t = 0; t < opts.tables; t++) {
    const sampler = new BitSampler(opts.keyBits, 0x9e3779b9 + t * 7919);
    table.forEachBucket(sampler, opts.keyBits, (members) => {
      // Members are samples (row * MAX_SAMPLES + index). The colliding samples themselves must be
      // close before the whole clips are compared: most random collisions end there.
      const reps: number[] = [];
      for (const m of members) {
        const row = (m / MAX_SAMPLES) | 0;
        let joined = false;
        for (const r of reps) {
          const repRow = (r / MAX_SAMPLES) | 0;
          if (repRow === row || groups.find(repRow) === groups.find(row)) {
            joined = true;
            continue;
          }
          if (sampleDistance(hashes, m, r) <= opts.maxBits && pairable(row, repRow) && confirm(row, repRow)) {
            groups.union(row, repRow);
            joined = true;
          }
        }
        if (!joined && reps.length < MAX_REPS) reps.push(m);
      }
    });
  }
  return keepBest(rows, groups);
}

/** A kept index row as the duplicate finder reads it. */
export const dedupRowOf = (r: ClipRow): DedupRow => ({
  clipId: r.clip_id,
  sourceId: r.source_id,
  signature: r.signature ?? '',
  width: r.width ?? r.source_width ?? 0,
  height: r.height ?? r.source_height ?? 0,
  duration: r.duration,
  startTime: r.start_time,
  endTime: r.end_time,
});

/** The pack hook: the same over index rows (kept clips with their measured size). */
export const markDuplicateClipRows = (rows: ClipRow[], options?: DedupOptions): Map<string, string> =>
  markDuplicates(rows.map(dedupRowOf), options);

/** Clips of the same source whose spans overlap are the same footage, not copies of each other. */
function sameFootage(a: DedupRow, b: DedupRow): boolean {
  if (a.sourceId !== b.sourceId) return false;
  if (a.startTime === undefined || a.endTime === undefined || b.startTime === undefined || b.endTime === undefined) return true;
  return a.startTime < b.endTime && b.startTime < a.endTime;
}

interface Hashes {
  /** hi, lo words of sample s of row r at (r * MAX_SAMPLES + s) * 2. */
  words: Uint32Array;
  counts: Uint8Array;
}

function parseSignatures(rows: DedupRow[]): Hashes {
  const words = new Uint32Array(rows.length * MAX_SAMPLES * 2);
  const counts = new Uint8Array(rows.length);
  rows.forEach((row, r) => {
    const sig = row.signature;
    const n = Math.min(MAX_SAMPLES, Math.floor(sig.length / 16));
    let valid = 0;
    for (let s = 0; s < n; s++) {
      const hi = parseInt(sig.slice(s * 16, s * 16 + 8), 16);
      const lo = parseInt(sig.slice(s * 16 + 8, s * 16 + 16), 16);
      if (Number.isNaN(hi) || Number.isNaN(lo)) continue;
      words[(r * MAX_SAMPLES + valid) * 2] = hi;
      words[(r * MAX_SAMPLES + valid) * 2 + 1] = lo;
      valid++;
    }
    counts[r] = valid;
  });
  return { words, counts };
}

/** Hamming distance between two samples, each given as row * MAX_SAMPLES + index. */
function sampleDistance(h: Hashes, a: number, b: number): number {
  const w = h.words;
  return hamming64(w[a * 2], w[a * 2 + 1], w[b * 2], w[b * 2 + 1]);
}

/** True when enough samples of a (see DedupOptions) lie within maxBits of some sample of b. Stops once out of reach. */
function matchedOneWay(h: Hashes, a: number, b: number, opts: Required<DedupOptions>): boolean {
  const na = h.counts[a];
  const nb = h.counts[b];
  const need = Math.max(opts.minMatched, Math.ceil(opts.minShare * na));
  if (na < need || nb === 0) return false;
  const w = h.words;
  let found = 0;
  for (let i = 0; i < na; i++) {
    if (found + (na - i) < need) return false;
    const ai = (a * MAX_SAMPLES + i) * 2;
    for (let j = 0; j < nb; j++) {
      const bj = (b * MAX_SAMPLES + j) * 2;
      if (hamming64(w[ai], w[ai + 1], w[bj], w[bj + 1]) <= opts.maxBits) {
        found++;
        break;
      }
    }
    if (found >= need) return true;
  }
  return false;
}

/** Picks `bits` random bit positions of a 64-bit hash, evaluated a byte at a time through lookup tables. */
class BitSampler {
  /** For byte position p (0 = top byte of hi) and byte value v: the key bits it contributes, at p * 256 + v. */
  private readonly lut = new Uint32Array(8 * 256);

  constructor(bits: number, seed: number) {
    const positions = shuffled(64, seed).slice(0, bits);
    positions.forEach((bit, k) => {
      const byte = bit >> 3;
      const mask = 0x80 >> (bit & 7);
      for (let v = 0; v < 256; v++) if (v & mask) this.lut[byte * 256 + v] |= 1 << k;
    });
  }

  key(hi: number, lo: number): number {
    const t = this.lut;
    return (
      (t[hi >>> 24] |
        t[256 + ((hi >>> 16) & 255)] |
        t[512 + ((hi >>> 8) & 255)] |
        t[768 + (hi & 255)] |
        t[1024 + (lo >>> 24)] |
        t[1280 + ((lo >>> 16) & 255)] |
        t[1536 + ((lo >>> 8) & 255)] |
        t[1792 + (lo & 255)]) >>>
      0
    );
  }
}

/** Every sample's (key, sample), sorted by key so that equal keys are adjacent. Buffers are reused across tables. */
class BucketTable {
  private readonly keys: Uint32Array;
  private readonly samples: Uint32Array;
  private readonly sorter = new PairSorter();

  constructor(private readonly h: Hashes) {
    let total = 0;
    for (const c of h.counts) total += c;
    this.keys = new Uint32Array(total);
    this.samples = new Uint32Array(total);
  }

  /** Calls `visit` with the samples (row * MAX_SAMPLES + index) of every bucket holding two or more rows. */
  forEachBucket(sampler: BitSampler, keyBits: number, visit: (samples: Uint32Array) => void): void {
    const { h, keys, samples } = this;
    let e = 0;
    for (let r = 0; r < h.counts.length; r++) {
      for (let s = 0; s < h.counts[r]; s++) {
        const i = r * MAX_SAMPLES + s;
        keys[e] = sampler.key(h.words[i * 2], h.words[i * 2 + 1]);
        samples[e++] = i;
      }
    }
    // Stable sort: within a bucket samples stay in ascending order, so one row's samples are adjacent.
    this.sorter.sort(keys, samples, e, keyBits);
    let start = 0;
    while (start < e) {
      let end = start + 1;
      while (end < e && keys[end] === keys[start]) end++;
      if (((samples[end - 1] / MAX_SAMPLES) | 0) !== ((samples[start] / MAX_SAMPLES) | 0)) visit(samples.subarray(start, end));
      start = end;
    }
  }
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** Better copy first: more pixels, then longer, then the smaller clip id. */
function better(a: DedupRow, b: DedupRow): boolean {
  const pa = a.width * a.height;
  const pb = b.width * b.height;
  if (pa !== pb) return pa > pb;
  if (a.duration !== b.duration) return a.duration > b.duration;
  return a.clipId < b.clipId;
}

function keepBest(rows: DedupRow[], groups: UnionFind): Map<string, string> {
  const best = new Map<number, number>();
  rows.forEach((row, i) => {
    const root = groups.find(i);
    const current = best.get(root);
    if (current === undefined || better(row, rows[current])) best.set(root, i);
  });
  const out = new Map<string, string>();
  rows.forEach((row, i) => {
    const kept = rows[best.get(groups.find(i))!];
    // A group can reach the kept clip through others; never call a clip a copy of its own footage.
    if (kept !== row && kept.clipId !== row.clipId && !sameFootage(row, kept)) out.set(row.clipId, kept.clipId);
  });
  return out;
}
