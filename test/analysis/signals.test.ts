import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameSignals, HASH_BIN_SEC, SIGNATURE_SAMPLES } from '../../src/analysis/signals.js';
import type { Frame } from '../../src/media/frames.js';

const W = 64;
const H = 36;

/** A frame filled by `pixel(x, y) -> grey level`, with dark bars of `bar` rows top and bottom. */
function frame(index: number, pixel: (x: number, y: number) => number, bar = 0): Frame {
  const data = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = y < bar || y >= H - bar ? 0 : pixel(x, y);
      data.fill(v, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return { index, time: index / 25, width: W, height: H, data };
}

const moving = (i: number) => (x: number, y: number) => 40 + ((x * 7 + y * 3 + i * 5) % 160);

describe('FrameSignals', () => {
  it('measures spans separately and ignores the change into a span', () => {
    const s = new FrameSignals(W, H);
    for (let i = 0; i < 50; i++) s.push(frame(i, () => 128)); // flat grey: frozen, single colour
    for (let i = 50; i < 100; i++) s.push(frame(i, moving(i), 4));
    const flat = s.clipSignals(0, 49);
    assert.equal(flat.frozen_share, 1);
    assert.equal(flat.single_color_share, 1);
    assert.equal(flat.motion_mean, 0);
    assert.equal(Math.round(flat.luma_mean), 128);
    const busy = s.clipSignals(50, 99);
    // The jump from flat grey into frame 50 is not part of the second span's motion.
    assert.ok(busy.motion_p90 < 100 && busy.motion_mean > 1, JSON.stringify(busy));
    assert.equal(busy.frozen_share, 0);
    // Stored as float32 per frame.
    assert.ok(Math.abs(busy.bar_top - 4 / H) < 1e-6 && Math.abs(busy.bar_bottom - 4 / H) < 1e-6);
    assert.equal(busy.bar_left, 0);
    assert.ok(busy.sharpness > flat.sharpness);
  });

  it('signs a clip with one hash per 0.25 s bin, at most SIGNATURE_SAMPLES, inside the span', () => {
    const s = new FrameSignals(W, H);
    for (let i = 0; i < 250; i++) s.push(frame(i, moving(i)));
    const short = s.clipSignature(0, 49); // 2 s: 8 bins
    assert.equal(short.length, 16 * (2 / HASH_BIN_SEC));
    assert.match(short, /^[0-9a-f]+$/);
    assert.equal(s.clipSignature(0, 249).length, 16 * SIGNATURE_SAMPLES);
    // A span starting mid-bin skips the straddling bin.
    assert.equal(s.clipSignature(3, 52).length, 16 * 7);
  });
});
