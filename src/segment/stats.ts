/** Robust statistics over windows of a per-frame series. */

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

/** Median of an array (sorted in place). */
export function medianOf(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}
