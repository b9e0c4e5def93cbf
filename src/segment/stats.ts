/** Robust statistics of per-frame values, shared by shot detection and clip analysis. */

/** Median and median absolute deviation of the finite values of `series` in [from, to), skipping [skipFrom, skipTo). */
export function windowMedianMad(
  series: Float32Array,
  from: number,
  to: number,
  skipFrom = 0,
  skipTo = 0,
): { median: number; mad: number } {
  const values: number[] = [];
  for (let j = Math.max(0, from); j < Math.min(series.length, to); j++) {
    if (j >= skipFrom && j < skipTo) continue;
    const v = series[j];
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return { median: 0, mad: 0 };
  const median = medianOf(values);
  return { median, mad: medianOf(values.map((v) => Math.abs(v - median))) };
}

/** Median of the values (NaN when there are none); `values` is left as it is. */
export function medianOf(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The value at rank floor(q * n) of the sorted values (0 when there are none); `values` is left as it is. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return 0;
  const sorted = sortedCopy(values);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A typed array sorts numerically (a plain array's default sort compares strings). */
const sortedCopy = (values: ArrayLike<number>): Float64Array => Float64Array.from(values).sort();
