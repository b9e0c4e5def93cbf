/**
 * Presentation times of every decoded frame of a source, kept compactly (8 bytes a frame) so
 * clip spans can be turned into exact times without assuming a constant frame rate.
 */
export class FrameTimes {
  private times = new Float64Array(1024);
  private count = 0;

  push(time: number): void {
    if (this.count === this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[this.count++] = time;
  }

  get length(): number {
    return this.count;
  }

  at(index: number): number {
    if (index < 0 || index >= this.count) throw new RangeError(`frame ${index} is outside 0..${this.count - 1}`);
    return this.times[index];
  }

  /** The exclusive end time of a frame: the next frame's time, or for the last frame its time plus the typical frame gap. */
  endOf(index: number): number {
    if (index + 1 < this.count) return this.times[index + 1];
    return this.at(index) + this.typicalGap();
  }

  /** Median gap between consecutive frames over the last stretch (robust to VFR jitter). */
  typicalGap(): number {
    const n = Math.min(this.count - 1, 64);
    if (n <= 0) return 1 / 25;
    const gaps: number[] = [];
    for (let i = this.count - n; i < this.count; i++) gaps.push(this.times[i] - this.times[i - 1]);
    gaps.sort((a, b) => a - b);
    return gaps[Math.floor(n / 2)] || 1 / 25;
  }
}
