/** A growable Float32Array for per-frame scalars: 4 bytes a frame, so long videos stay small. */
export class FloatSeries {
  private data: Float32Array;
  private count = 0;

  constructor(capacity = 1024) {
    this.data = new Float32Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Sets index `i`, growing (and filling the gap with `fill`) as needed. */
  set(i: number, value: number, fill = Number.NaN): void {
    while (i >= this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    if (i >= this.count) {
      this.data.fill(fill, this.count, i);
      this.count = i + 1;
    }
    this.data[i] = value;
  }

  push(value: number): void {
    this.set(this.count, value);
  }

  /** The value at `i`, or `outside` beyond the ends. */
  at(i: number, outside = Number.NaN): number {
    return i >= 0 && i < this.count ? this.data[i] : outside;
  }

  view(): Float32Array {
    return this.data.subarray(0, this.count);
  }
}
