/**
 * The shift of the whole picture between two 32x32 cell grids: the camera's pan or tilt, told
 * apart from motion in the scene. Coarse to fine: the integer shift (up to 6 cells each way) with
 * the smallest mean cell difference over the overlap is found on 16x16 grids, refined by one cell
 * on the full grid and to a fraction of a cell by a parabola through its neighbours; what the
 * shift does not explain is motion in the scene.
 */
import { THUMB } from './phash.js';

const COARSE = THUMB / 2;
const COARSE_SHIFT = 3;

export interface Shift {
  /** Shift of `now` against `before`, in cells (a cell is 1/32 of the width or height). */
  dx: number;
  dy: number;
  /** Largest cell difference left after the best integer shift (luma levels). */
  residual: number;
}

/** Mean (or, with `largest`, the largest) absolute difference of now(x, y) and before(x - dx, y - dy) over their overlap. */
function compare(now: Float32Array, before: Float32Array, size: number, dx: number, dy: number, largest = false): number {
  let sum = 0;
  let max = 0;
  let n = 0;
  const x0 = Math.max(0, dx);
  const x1 = Math.min(size, size + dx);
  for (let y = Math.max(0, dy); y < Math.min(size, size + dy); y++) {
    const row = y * size;
    const from = (y - dy) * size - dx;
    for (let x = x0; x < x1; x++) {
      const d = Math.abs(now[row + x] - before[from + x]);
      sum += d;
      if (d > max) max = d;
    }
    n += x1 - x0;
  }
  return largest ? max : sum / n;
}

/** 2x2 cell means: a 16x16 grid. */
function halve(grid: Float32Array, out: Float32Array): Float32Array {
  for (let y = 0; y < COARSE; y++) {
    for (let x = 0; x < COARSE; x++) {
      const i = 2 * y * THUMB + 2 * x;
      out[y * COARSE + x] = (grid[i] + grid[i + 1] + grid[i + THUMB] + grid[i + THUMB + 1]) / 4;
    }
  }
  return out;
}

/** Offset of a parabola's minimum through three costs at -1, 0, +1 (within ±0.5). */
function vertex(left: number, mid: number, right: number): number {
  const curve = left - 2 * mid + right;
  return curve > 0 ? Math.max(-0.5, Math.min(0.5, (left - right) / (2 * curve))) : 0;
}

const coarseNow = new Float32Array(COARSE * COARSE);
const coarseBefore = new Float32Array(COARSE * COARSE);

/** Best shift among (dx, dy) around (cx, cy) within ±reach; ties go to the smaller shift, so a still picture is not a pan. */
function search(now: Float32Array, before: Float32Array, size: number, cx: number, cy: number, reach: number): { dx: number; dy: number; cost: number } {
  let best = { dx: cx, dy: cy, cost: compare(now, before, size, cx, cy) };
  for (let dy = cy - reach; dy <= cy + reach; dy++) {
    for (let dx = cx - reach; dx <= cx + reach; dx++) {
      const cost = compare(now, before, size, dx, dy);
      if (cost < best.cost - 1e-9 || (cost < best.cost + 1e-9 && Math.hypot(dx, dy) < Math.hypot(best.dx, best.dy))) best = { dx, dy, cost };
    }
  }
  return best;
}

export function cameraShift(now: Float32Array, before: Float32Array): Shift {
  const coarse = search(halve(now, coarseNow), halve(before, coarseBefore), COARSE, 0, 0, COARSE_SHIFT);
  const { dx, dy, cost } = search(now, before, THUMB, 2 * coarse.dx, 2 * coarse.dy, 1);
  const at = (ddx: number, ddy: number) => compare(now, before, THUMB, dx + ddx, dy + ddy);
  return {
    dx: dx + vertex(at(-1, 0), cost, at(1, 0)),
    dy: dy + vertex(at(0, -1), cost, at(0, 1)),
    residual: compare(now, before, THUMB, dx, dy, true),
  };
}
