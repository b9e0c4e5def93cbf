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
import { PairSorter } from './dedup-radix.js';
import { BitSampler, MAX_SAMPLES, better, confirmedCopy, pairable, parseSignatures, sameFootage, sampleDistance, tableSeed, type Hashes } from './dedup-match.js';
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

/** In a bucket, a clip is compared with at most this many group representatives. */
const MAX_REPS = 32;

/** Returns clip id -> clip id of the kept copy, for every clip that duplicates another. */
export function markDuplicates(rows: DedupRow[], options: DedupOptions = {}): Map<string, string> {
  const opts = { ...DEDUP_DEFAULTS, ...options };
  if (rows.length * MAX_SAMPLES >= 2 ** 32) throw new Error('markDuplicates handles at most 268 million clips at once.');
  if (opts.keyBits < 1 || opts.keyBits > 32) throw new Error(`keyBits must be 1..32, not ${opts.keyBits}.`);
  const hashes = parseSignatures(rows);
  const groups = new UnionFind(rows.length);

  const table = new BucketTable(hashes);
  for (let t = 0; t < opts.tables; t++) {
    const sampler = new BitSampler(opts.keyBits, tableSeed(t));
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
          const close = sampleDistance(hashes, row, m % MAX_SAMPLES, hashes, repRow, r % MAX_SAMPLES) <= opts.maxBits;
          if (close && pairable(rows[row], rows[repRow]) && confirmedCopy(hashes, row, hashes, repRow, opts)) {
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
