/**
 * A set of 64-bit source ids (16 hex digits) in one flat typed array, so that remembering the
 * ids of millions of sources costs about 16 bytes each instead of a JS string per entry.
 */
export class IdSet {
  private slots = new BigUint64Array(1024);
  private count = 0;
  /** 0 marks an empty slot, so the id 0000000000000000 is tracked apart. */
  private hasZero = false;

  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  /** Adds the id; returns false when it was already present. */
  add(hexId: string): boolean {
    const key = BigInt.asUintN(64, BigInt(`0x${hexId}`));
    if (key === 0n) {
      const added = !this.hasZero;
      this.hasZero = true;
      return added;
    }
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    return this.insert(key);
  }

  private insert(key: bigint): boolean {
    const mask = this.slots.length - 1;
    // The ids are already uniformly distributed hash bits: the low bits are a fine slot index.
    let i = Number(key & BigInt(mask));
    for (;;) {
      const here = this.slots[i];
      if (here === 0n) {
        this.slots[i] = key;
        this.count += 1;
        return true;
      }
      if (here === key) return false;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new BigUint64Array(old.length * 2);
    this.count = 0;
    for (const key of old) if (key !== 0n) this.insert(key);
  }
}
