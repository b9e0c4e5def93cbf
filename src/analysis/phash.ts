/**
 * 64-bit DCT perceptual hash (pHash) of a luma image: shrink to 32x32 by area averaging, take the
 * 8x8 lowest frequencies of the 2-D DCT-II, and set a bit for every coefficient above their median.
 * The DC term is left out of the median and its bit is always 0, so a uniform brightness shift
 * does not change the hash. A hash is two unsigned 32-bit words (hi, lo).
 */

import { medianOf } from '../segment/stats.js';

export const THUMB = 32;
const LOW = 8;

/** cos((2x+1)uπ / 2N) for u < 8, x < 32: the only DCT rows the hash needs. */
const COS = (() => {
  const table = new Float64Array(LOW * THUMB);
  for (let u = 0; u < LOW; u++) {
    for (let x = 0; x < THUMB; x++) table[u * THUMB + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * THUMB));
  }
  return table;
})();

/** Maps each pixel of a width x height image to its cell of the 32x32 thumbnail. */
export class Thumbnailer {
  /** Per pixel column, its cell's column; per pixel row, the index of its cell row's first cell. */
  readonly cellOfColumn: Uint16Array;
  readonly cellOfRow: Uint16Array;
  private readonly pixelsPerCell = new Float64Array(THUMB * THUMB);
  private readonly sums = new Float64Array(THUMB * THUMB);

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.cellOfColumn = Uint16Array.from({ length: width }, (_, x) => Math.floor((x * THUMB) / width));
    this.cellOfRow = Uint16Array.from({ length: height }, (_, y) => Math.floor((y * THUMB) / height) * THUMB);
    for (const row of this.cellOfRow) for (const col of this.cellOfColumn) this.pixelsPerCell[row + col]++;
  }

  /** Adds the cell means of `luma` into `into` (32x32), so thumbnails of several frames can be averaged. */
  accumulate(luma: Float32Array, into: Float32Array): void {
    const sums = this.sums;
    sums.fill(0);
    for (let y = 0, i = 0; y < this.height; y++) {
      const rowCell = this.cellOfRow[y];
      for (let x = 0; x < this.width; x++, i++) sums[rowCell + this.cellOfColumn[x]] += luma[i];
    }
    this.addMeans(sums, into);
  }

  /** Adds the cell means of per-cell luma sums (32x32) into `into`. */
  addMeans(sums: Float64Array, into: Float32Array): void {
    for (let c = 0; c < sums.length; c++) into[c] += sums[c] / this.pixelsPerCell[c];
  }
}

/** pHash of a 32x32 thumbnail; returns [hi, lo] as unsigned 32-bit integers. */
export function phash(thumb: Float32Array): [number, number] {
  // Rows first: 32 rows x 8 frequencies, then columns: 8 x 8.
  const rows = new Float64Array(THUMB * LOW);
  for (let y = 0; y < THUMB; y++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let x = 0; x < THUMB; x++) s += thumb[y * THUMB + x] * COS[u * THUMB + x];
      rows[y * LOW + u] = s;
    }
  }
  const coef = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let y = 0; y < THUMB; y++) s += rows[y * LOW + u] * COS[v * THUMB + y];
      coef[v * LOW + u] = s;
    }
  }
  const median = medianOf(coef.subarray(1));
  let hi = 0;
  let lo = 0;
  for (let i = 1; i < 64; i++) {
    if (coef[i] <= median) continue;
    if (i < 32) hi |= 1 << (31 - i);
    else lo |= 1 << (63 - i);
  }
  return [hi >>> 0, lo >>> 0];
}

/** Number of set bits of a 32-bit integer. */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Hamming distance of two 64-bit hashes given as word pairs. */
export function hamming64(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return popcount32((aHi ^ bHi) >>> 0) + popcount32((aLo ^ bLo) >>> 0);
}

/** 16 hex digits of a hash. */
export function hashHex(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
