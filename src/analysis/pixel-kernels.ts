/**
 * The per-pixel kernels of the analysis, in WebAssembly with SIMD (wasm/pixels.ts, compiled to
 * pixels.wasm beside this module by scripts/build-wasm.sh), and the memory they work in. They do
 * what JavaScript loops did 3-5 times faster: the luma plane, cell sums, frame difference and
 * edge sharpness are the same bit for bit, the other sums differ in their last bits only
 * (wasm/pixels.ts says why).
 *
 * Each PixelKernels owns one instance of the module, whose memory holds the frame's RGB24 pixels,
 * two luma planes (this frame's and the previous one's, swapped each frame), the thumbnail cell
 * map and sums, the totals, and edge sharpness's scratch planes. The views onto that memory are made once: the memory never grows
 * after the constructor.
 */
import { readFileSync } from 'node:fs';
import type { Thumbnailer } from './phash.js';

const MODULE = new WebAssembly.Module(readFileSync(new URL('./pixels.wasm', import.meta.url)));

interface Exports {
  memory: WebAssembly.Memory;
  measureFrame(rgb: number, luma: number, prev: number, width: number, height: number, cellOfColumn: number, cellOfRow: number, cells: number, out: number): void;
  detailEnergies(luma: number, width: number, height: number, out: number): void;
  edgeSharpness(luma: number, width: number, height: number, rows: number, blurred: number, slopes: number, hist: number): number;
  signaturePixels(rgb: number, width: number, height: number, cellOfColumn: number, rowBase: number, sums: number, counts: number, scratch: number): void;
  leastShiftedDiff(a: number, b: number, cols: number, rows: number, radius: number): number;
}

/**
 * A new instance of the module whose memory holds the given regions (bytes each), 16-byte
 * aligned: its exports, each region's offset, and the memory's buffer (fixed from then on).
 */
function instantiate<K extends string>(sizes: Record<K, number>): { kernels: Exports; at: Record<K, number>; buffer: ArrayBuffer } {
  let end = 0;
  const at = {} as Record<K, number>;
  for (const key of Object.keys(sizes) as K[]) {
    at[key] = end;
    end += Math.ceil(sizes[key] / 16) * 16;
  }
  const kernels = new WebAssembly.Instance(MODULE, {}).exports as unknown as Exports;
  kernels.memory.grow(Math.ceil(end / PAGE) - kernels.memory.buffer.byteLength / PAGE);
  return { kernels, at, buffer: kernels.memory.buffer };
}

/** Slots of the totals measureFrame writes (wasm/pixels.ts). */
export const TOTAL = { SUM: 0, SUM_SQ: 1, DARK: 2, BRIGHT: 3, RG: 4, RG_SQ: 5, YB: 6, YB_SQ: 7, DIFF: 8 } as const;
const TOTALS = 9;
/** Cells of the thumbnail grid (32 × 32). */
const CELLS = 1024;
/** Bins of edge sharpness's slope histogram (wasm/pixels.ts). */
const SLOPE_BINS = 1024;
const PAGE = 65536;

export class PixelKernels {
  /** This frame's luma plane (BT.601, 0..255) after measure(); the previous frame's is kept apart. */
  luma: Float32Array;
  private prev: Float32Array;
  /** Per thumbnail cell, the sum of this frame's luma over its pixels. */
  readonly cellSums: Float64Array;
  /** The totals of the last measure() (TOTAL says which is which). */
  readonly totals: Float64Array;
  private readonly rgb: Uint8Array;
  private readonly energies: Float64Array;
  private readonly kernels: Exports;
  private readonly at: Record<'rgb' | 'luma' | 'prev' | 'cellOfColumn' | 'cellOfRow' | 'cells' | 'totals' | 'energies' | 'rows' | 'blurred' | 'slopes' | 'hist', number>;

  readonly width: number;
  readonly height: number;

  /** For frames of the thumbnailer's size, whose cells it sums. */
  constructor(thumbnailer: Thumbnailer) {
    const { width, height, cellOfColumn, cellOfRow } = thumbnailer;
    this.width = width;
    this.height = height;
    const n = width * height;
    const { kernels, at, buffer } = instantiate({
      rgb: 3 * n,
      luma: 4 * n,
      prev: 4 * n,
      cellOfColumn: 2 * width,
      cellOfRow: 2 * height,
      cells: 8 * CELLS,
      totals: 8 * TOTALS,
      energies: 16,
      // Edge sharpness's scratch planes and histogram.
      rows: 4 * n,
      blurred: 4 * n,
      slopes: 4 * n,
      hist: 4 * SLOPE_BINS,
    });
    this.kernels = kernels;
    this.at = at;
    this.rgb = new Uint8Array(buffer, at.rgb, 3 * n);
    this.luma = new Float32Array(buffer, at.luma, n);
    this.prev = new Float32Array(buffer, at.prev, n);
    new Uint16Array(buffer, at.cellOfColumn, width).set(cellOfColumn);
    new Uint16Array(buffer, at.cellOfRow, height).set(cellOfRow);
    this.cellSums = new Float64Array(buffer, at.cells, CELLS);
    this.totals = new Float64Array(buffer, at.totals, TOTALS);
    this.energies = new Float64Array(buffer, at.energies, 2);
  }

  /**
   * Measures an RGB24 frame: its luma plane into `luma` (the one before becomes the previous),
   * the cell sums, and the totals; DIFF is from the previous frame's luma when `hasPrev`.
   */
  measure(rgb: Uint8Array, hasPrev: boolean): Float64Array {
    [this.luma, this.prev] = [this.prev, this.luma];
    this.rgb.set(rgb.subarray(0, this.rgb.length));
    this.cellSums.fill(0);
    const prev = hasPrev ? this.prev : this.luma;
    const { at } = this;
    this.kernels.measureFrame(at.rgb, this.luma.byteOffset, prev.byteOffset, this.width, this.height, at.cellOfColumn, at.cellOfRow, at.cells, at.totals);
    return this.totals;
  }

  /**
   * Laplacian and gradient energy over the interior of this frame's luma plane, or of `luma`
   * (width × height, copied in as this frame's).
   */
  detailEnergies(luma?: Float32Array): Float64Array {
    this.take(luma);
    this.kernels.detailEnergies(this.luma.byteOffset, this.width, this.height, this.at.energies);
    return this.energies;
  }

  /** Edge sharpness (edge-sharpness.ts) of this frame's luma plane, or of `luma` as measureFrame's. */
  edgeSharpness(luma?: Float32Array): number {
    const { width, height, at } = this;
    if (width < 5 || height < 5) return 0;
    this.take(luma);
    return this.kernels.edgeSharpness(this.luma.byteOffset, width, height, at.rows, at.blurred, at.slopes, at.hist);
  }

  /** Copies a luma plane of this size in as this frame's, unless it is this frame's. */
  private take(luma: Float32Array | undefined): void {
    if (luma && luma !== this.luma) this.luma.set(luma);
  }
}

/**
 * The pixel pass of the shot detector's frame signature (shot-features.ts), for frames of one
 * size: integer luma summed per grid cell, and counts of each luma and chroma value.
 */
export class SignaturePixels {
  /** Per grid cell, the sum of its pixels' integer luma. */
  readonly lumaSums: Uint32Array;
  /** Counts of each value (0..255) of luma, then of the two chroma axes. */
  readonly valueCounts: Uint32Array;
  private readonly rgb: Uint8Array;
  private readonly kernels: Exports;
  private readonly at: Record<'rgb' | 'cellOfColumn' | 'rowBase' | 'sums' | 'counts' | 'scratch', number>;

  /** `cellOfColumn` (per pixel column) plus `rowBase` (per pixel row) is a pixel's grid cell, of `cells`. */
  constructor(
    readonly width: number,
    readonly height: number,
    cellOfColumn: Uint32Array,
    rowBase: Uint32Array,
    cells: number,
  ) {
    const { kernels, at, buffer } = instantiate({
      rgb: 3 * width * height,
      cellOfColumn: 4 * width,
      rowBase: 4 * height,
      sums: 4 * cells,
      counts: 4 * 3 * 256,
      scratch: 2 * 3 * width,
    });
    this.kernels = kernels;
    this.at = at;
    this.rgb = new Uint8Array(buffer, at.rgb, 3 * width * height);
    new Uint32Array(buffer, at.cellOfColumn, width).set(cellOfColumn);
    new Uint32Array(buffer, at.rowBase, height).set(rowBase);
    this.lumaSums = new Uint32Array(buffer, at.sums, cells);
    this.valueCounts = new Uint32Array(buffer, at.counts, 3 * 256);
  }

  /** Fills lumaSums and valueCounts from an RGB24 frame of this size. */
  measure(rgb: Uint8Array): void {
    this.rgb.set(rgb.subarray(0, this.rgb.length));
    this.lumaSums.fill(0);
    this.valueCounts.fill(0);
    const { at } = this;
    this.kernels.signaturePixels(at.rgb, this.width, this.height, at.cellOfColumn, at.rowBase, at.sums, at.counts, at.scratch);
  }
}

/**
 * The shot detector's search over small shifts of one cell grid against another (shot-features.ts),
 * for grids of up to `cells` cells: the least mean absolute difference over the overlap.
 */
export class ShiftSearch {
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  private readonly kernels: Exports;

  constructor(readonly cells: number) {
    const { kernels, buffer, at } = instantiate({ a: 4 * cells, b: 4 * cells });
    this.kernels = kernels;
    this.a = new Float32Array(buffer, at.a, cells);
    this.b = new Float32Array(buffer, at.b, cells);
  }

  /** The least over shifts of `b` by up to `radius` cells each way (grids of cols × rows). */
  least(a: Float32Array, b: Float32Array, cols: number, rows: number, radius: number): number {
    this.a.set(a);
    this.b.set(b);
    return this.kernels.leastShiftedDiff(this.a.byteOffset, this.b.byteOffset, cols, rows, radius);
  }
}
