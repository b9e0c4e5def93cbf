/**
 * The near-duplicate matching rules shared by the in-memory finder (dedup.ts) and the persistent
 * signature index (signature-index.ts): signature parsing, the LSH bit sampler, the check that
 * confirms a candidate pair, which pairs may be paired at all, and which copy of a group is best.
 */
import { hamming64 } from '../analysis/phash.js';
import { shuffled } from '../util/random.js';
import type { DedupOptions, DedupRow } from './dedup.js';

/** Samples per clip at most (longer signatures are cut). */
export const MAX_SAMPLES = 16;

/** Seed of LSH table t: the same tables everywhere, so a stored index stays valid across runs. */
export const tableSeed = (t: number): number => 0x9e3779b9 + t * 7919;

export interface Hashes {
  /** hi, lo words of sample s of row r at (r * MAX_SAMPLES + s) * 2. */
  words: Uint32Array;
  counts: Uint8Array;
}

/** Value of a hex digit's char code, or -1. */
const HEX_DIGIT = Int8Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1));

/** The 8 hex digits at `at` as a word: parseInt's value, read without making substrings (most signatures are millions). */
function hexWord(sig: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 8; i++) {
    const c = sig.charCodeAt(i);
    const d = c < 128 ? HEX_DIGIT[c] : -1;
    if (d < 0) return parseInt(sig.slice(at, at + 8), 16);
    value = value * 16 + d;
  }
  return value;
}

export function parseSignatures(rows: readonly DedupRow[]): Hashes {
  const words = new Uint32Array(rows.length * MAX_SAMPLES * 2);
  const counts = new Uint8Array(rows.length);
  rows.forEach((row, r) => {
    const sig = row.signature;
    const n = Math.min(MAX_SAMPLES, Math.floor(sig.length / 16));
    let valid = 0;
    for (let s = 0; s < n; s++) {
      const hi = hexWord(sig, s * 16);
      const lo = hexWord(sig, s * 16 + 8);
      if (Number.isNaN(hi) || Number.isNaN(lo)) continue;
      words[(r * MAX_SAMPLES + valid) * 2] = hi;
      words[(r * MAX_SAMPLES + valid) * 2 + 1] = lo;
      valid++;
    }
    counts[r] = valid;
  });
  return { words, counts };
}

/** Hamming distance between sample i of row a in ha and sample j of row b in hb. */
export function sampleDistance(ha: Hashes, a: number, i: number, hb: Hashes, b: number, j: number): number {
  const x = (a * MAX_SAMPLES + i) * 2;
  const y = (b * MAX_SAMPLES + j) * 2;
  return hamming64(ha.words[x], ha.words[x + 1], hb.words[y], hb.words[y + 1]);
}

/** True when enough samples of row a (see DedupOptions) lie within maxBits of some sample of row b. Stops once out of reach. */
function matchedOneWay(ha: Hashes, a: number, hb: Hashes, b: number, opts: Required<DedupOptions>): boolean {
  const na = ha.counts[a];
  const nb = hb.counts[b];
  const need = Math.max(opts.minMatched, Math.ceil(opts.minShare * na));
  if (na < need || nb === 0) return false;
  const wa = ha.words;
  const wb = hb.words;
  let found = 0;
  for (let i = 0; i < na; i++) {
    if (found + (na - i) < need) return false;
    const ai = (a * MAX_SAMPLES + i) * 2;
    for (let j = 0; j < nb; j++) {
      const bj = (b * MAX_SAMPLES + j) * 2;
      if (hamming64(wa[ai], wa[ai + 1], wb[bj], wb[bj + 1]) <= opts.maxBits) {
        found++;
        break;
      }
    }
    if (found >= need) return true;
  }
  return false;
}

/** A candidate pair is a copy when each clip has enough samples close to the other's. */
export function confirmedCopy(ha: Hashes, a: number, hb: Hashes, b: number, opts: Required<DedupOptions>): boolean {
  return matchedOneWay(ha, a, hb, b, opts) && matchedOneWay(hb, b, ha, a, opts);
}

/** Clips of the same source whose spans overlap are the same footage, not copies of each other. */
export function sameFootage(a: DedupRow, b: DedupRow): boolean {
  if (a.sourceId !== b.sourceId) return false;
  if (a.startTime === undefined || a.endTime === undefined || b.startTime === undefined || b.endTime === undefined) return true;
  return a.startTime < b.endTime && b.startTime < a.endTime;
}

/** Two clips may be paired at all: not the same clip, not the same footage. */
export const pairable = (a: DedupRow, b: DedupRow): boolean => a.clipId !== b.clipId && !sameFootage(a, b);

/** Better copy first: more pixels, then longer, then the smaller clip id. */
export function better(a: DedupRow, b: DedupRow): boolean {
  const pa = a.width * a.height;
  const pb = b.width * b.height;
  if (pa !== pb) return pa > pb;
  if (a.duration !== b.duration) return a.duration > b.duration;
  return a.clipId < b.clipId;
}

/** Picks `bits` random bit positions of a 64-bit hash, evaluated a byte at a time through lookup tables. */
export class BitSampler {
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
