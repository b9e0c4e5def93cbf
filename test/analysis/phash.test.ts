import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { THUMB, Thumbnailer, hamming64, hashHex, phash, popcount32 } from '../../src/analysis/phash.js';

/** A 32x32 thumbnail of a smooth pattern, with optional brightness offset and gain. */
function pattern(seed: number, offset = 0, gain = 1): Float32Array {
  const t = new Float32Array(THUMB * THUMB);
  for (let y = 0; y < THUMB; y++) {
    for (let x = 0; x < THUMB; x++) {
      t[y * THUMB + x] = offset + gain * (128 + 60 * Math.sin((x + seed) / 5) * Math.cos((y * seed) / 9) + 30 * Math.sin((x * y) / 40 + seed));
    }
  }
  return t;
}

describe('phash', () => {
  it('counts bits and distances of 64-bit word pairs', () => {
    assert.equal(popcount32(0), 0);
    assert.equal(popcount32(0xffffffff), 32);
    assert.equal(popcount32(0x80000001), 2);
    assert.equal(hamming64(0xffffffff, 0, 0, 0xffffffff), 64);
    assert.equal(hashHex(0xabc, 0x1), '00000abc00000001');
  });

  it('ignores a brightness offset and contrast gain, and tells different images apart', () => {
    const [h, l] = phash(pattern(3));
    const [h2, l2] = phash(pattern(3, 25, 0.8));
    assert.equal(hamming64(h, l, h2, l2), 0);
    const [h3, l3] = phash(pattern(11));
    assert.ok(hamming64(h, l, h3, l3) > 16);
    // About half of the 63 informative bits are set (median threshold).
    const ones = popcount32(h) + popcount32(l);
    assert.ok(ones >= 28 && ones <= 33, `${ones} bits set`);
  });

  it('averages a frame into 32x32 cells', () => {
    const width = 64;
    const height = 36;
    const luma = new Float32Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) luma[y * width + x] = x < 32 ? 10 : 200;
    const thumb = new Float32Array(THUMB * THUMB);
    new Thumbnailer(width, height).accumulate(luma, thumb);
    assert.equal(thumb[0], 10);
    assert.equal(thumb[THUMB - 1], 200);
    assert.equal(thumb[THUMB * THUMB - 1], 200);
  });
});
