import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameSignals, HASH_BIN_SEC, SIGNATURE_SAMPLES } from '../../src/analysis/signals.js';
import { FilterConfig } from '../../src/config/schema.js';
import { judgeClip } from '../../src/filters/judge.js';
import type { Frame } from '../../src/media/frames.js';

const cfg = FilterConfig.parse({});

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

  it('measures edge sharpness on every 4th frame and leaves it out of a span that holds none of them', () => {
    const s = new FrameSignals(W, H);
    for (let i = 0; i < 20; i++) s.push(frame(i, (x) => (x < W / 2 ? 60 : 190))); // one sharp step
    assert.ok(Math.abs(s.clipSignals(0, 19).edge_sharpness - 100 / 3) < 1, JSON.stringify(s.clipSignals(0, 19)));
    assert.equal(s.clipSignals(1, 3).edge_sharpness, undefined);
    assert.ok(s.clipSignals(1, 4).edge_sharpness > cfg.minEdgeSharpness);
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

/** A smooth pattern (sum of two sinusoids, grey 38..218) shifted right by `dx` pixels: sub-pixel shifts are exact. */
const drifting = (dx: number) => (x: number, y: number) =>
  Math.round(128 + 50 * Math.sin((2 * Math.PI * (x - dx)) / 23) + 40 * Math.sin((2 * Math.PI * (x - dx + 2 * y)) / 11));

/** Frames of `picture(i)` at 25 fps, measured as one clip. */
function measure(count: number, picture: (i: number) => (x: number, y: number) => number) {
  const s = new FrameSignals(W, H);
  for (let i = 0; i < count; i++) s.push(frame(i, picture(i)));
  return s.clipSignals(0, count - 1);
}

describe('frozen and static mean the picture stopped, not a cadence or slow motion', () => {
  it('a cadence of exact repeats (each picture twice, or three times) is not frozen and not static', () => {
    for (const hold of [2, 3]) {
      const s = measure(100, (i) => drifting(0.6 * Math.floor(i / hold)));
      assert.equal(s.frozen_share, 0, `hold ${hold}: ${JSON.stringify(s)}`);
      assert.ok(s.relative_motion > cfg.minRelativeMotion, `hold ${hold}: relative_motion ${s.relative_motion}`);
      assert.deepEqual(judgeClip(s, cfg, { cropBars: false }), { keep: true });
    }
  });

  it('slow motion (a fiftieth of a pixel a frame) is neither frozen nor static', () => {
    const s = measure(100, (i) => drifting(0.02 * i));
    // Frame to frame the picture barely changes, so the old lag-1 test called it frozen.
    assert.ok(s.motion_mean < 0.5, `motion_mean ${s.motion_mean}`);
    assert.equal(s.frozen_share, 0);
    assert.ok(s.relative_motion > cfg.minRelativeMotion, `relative_motion ${s.relative_motion}`);
    assert.deepEqual(judgeClip(s, cfg, { cropBars: false }), { keep: true });
  });

  it('a small object moving slowly over a still background is kept', () => {
    // A 4x4 bright square crossing 1/16 of the width in 4 s on a fixed pattern, drawn with
    // anti-aliased sides so that it moves a little every frame.
    const s = measure(100, (i) => (x, y) => {
      const ox = 20 + 0.04 * i;
      const cover = y >= 14 && y < 18 ? Math.max(0, Math.min(x + 1, ox + 4) - Math.max(x, ox)) : 0;
      return Math.round(drifting(0)(x, y) * (1 - cover) + 230 * cover);
    });
    assert.ok(s.relative_motion > cfg.minRelativeMotion, `relative_motion ${s.relative_motion}`);
    assert.ok(s.frozen_share < cfg.maxFrozenShare, `frozen_share ${s.frozen_share}`);
    assert.deepEqual(judgeClip(s, cfg, { cropBars: false }), { keep: true });
  });

  it('a picture that stops is frozen for the stopped stretch only', () => {
    // Moves for 1 s, then holds the same picture for 3 s.
    const s = new FrameSignals(W, H);
    for (let i = 0; i < 100; i++) s.push(frame(i, drifting(0.6 * Math.min(i, 24))));
    const whole = s.clipSignals(0, 99);
    assert.ok(Math.abs(whole.frozen_share - 76 / 100) < 0.02, `frozen_share ${whole.frozen_share}`);
    assert.match(reasonOf(whole), /^frozen: frozen_share=0\.7\d* > 0\.5$/);
    assert.equal(s.clipSignals(0, 23).frozen_share, 0);
    assert.equal(s.clipSignals(40, 99).frozen_share, 1);
    assert.ok(s.clipSignals(50, 99).relative_motion < cfg.minRelativeMotion);
  });

  it('a slideshow of stills with grain renewed every frame is static (not frozen: no two frames are equal)', () => {
    let seed = 1;
    const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 24;
    const s = new FrameSignals(W, H);
    for (let i = 0; i < 150; i++) {
      const still = drifting(7 * Math.floor(i / 50));
      s.push(frame(i, (x, y) => Math.max(0, Math.min(255, Math.round(still(x, y) + noise())))));
    }
    for (const [from, to] of [[0, 49], [50, 99], [100, 149]]) {
      const clip = s.clipSignals(from, to);
      assert.ok(clip.frozen_share < 0.5, `${from}: frozen_share ${clip.frozen_share}`);
      assert.match(reasonOf(clip), /^static: relative_motion=[\d.e-]+ < /, `${from}: ${JSON.stringify(clip)}`);
    }
  });

  it('judges a quarter-contrast copy as the shot itself: slow motion kept, a grainy still static', () => {
    // Around a night-like level, a quarter of the contrast: local motion in luma levels shrinks four
    // times (to 6.6 here, which the old absolute limit of 8 dropped as static).
    const dim = (pixel: (x: number, y: number) => number) => (x: number, y: number) => Math.round(40 + (pixel(x, y) - 128) / 4);
    const slow = (i: number) => drifting(0.03 * i);
    const bright = measure(100, slow);
    const dimmed = measure(100, (i) => dim(slow(i)));
    assert.ok(dimmed.local_motion < bright.local_motion / 3, `local motion ${dimmed.local_motion} against ${bright.local_motion}`);
    assert.ok(Math.abs(dimmed.relative_motion / bright.relative_motion - 1) < 0.25, `relative motion ${dimmed.relative_motion} against ${bright.relative_motion}`);
    for (const clip of [bright, dimmed]) assert.deepEqual(judgeClip(clip, cfg, { cropBars: false }), { keep: true }, JSON.stringify(clip));

    let seed = 7;
    const grain = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 6;
    const still = measure(100, () => (x, y) => Math.max(0, Math.round(dim(drifting(0))(x, y) + grain())));
    assert.ok(still.frozen_share < 0.5, `frozen_share ${still.frozen_share}`);
    assert.match(reasonOf(still), /^static: relative_motion=[\d.e-]+ < /, JSON.stringify(still));
  });

  it('a slow zoom over a low-contrast picture (haze, night) is neither frozen nor static', () => {
    // Long periods at 30% of the contrast: a tenth of a percent of zoom a frame moves its cells by
    // under 2 levels in half a second, which the old absolute tolerance took for a stopped picture.
    const hazy = (x: number, y: number) => Math.round(128 + 15 * Math.sin((2 * Math.PI * x) / 60) + 12 * Math.sin((2 * Math.PI * (x + 2 * y)) / 40));
    const s = measure(150, (i) => (x, y) => hazy(W / 2 + (x - W / 2) / (1 + 0.001 * i), H / 2 + (y - H / 2) / (1 + 0.001 * i)));
    assert.equal(s.frozen_share, 0, JSON.stringify(s));
    assert.ok(s.relative_motion > cfg.minRelativeMotion, `relative_motion ${s.relative_motion}`);
  });

  it('a 2 fps sequence of distinct pictures carried at 25 fps is not frozen; a stall as long in 25 fps motion is', () => {
    // Each picture held 12 or 13 frames (about 0.5 s): steps of a low-rate cadence.
    const steps = measure(150, (i) => drifting(3 * Math.floor((i * 2) / 25)));
    assert.equal(steps.frozen_share, 0, JSON.stringify(steps));
    assert.deepEqual(judgeClip(steps, cfg, { cropBars: false }), { keep: true });
    // 2 s of motion, the picture held 0.6 s (15 frames), 2 s of motion.
    const s = new FrameSignals(W, H);
    for (let i = 0; i < 115; i++) s.push(frame(i, drifting(0.6 * (i < 50 ? i : i < 65 ? 50 : i - 14))));
    assert.equal(s.clipSignals(50, 64).frozen_share, 1);
    assert.ok(Math.abs(s.clipSignals(0, 114).frozen_share - 15 / 115) < 0.01, JSON.stringify(s.clipSignals(0, 114)));
  });

  it('a stopped low-contrast picture whose codec refreshes it for two frames every twelve is frozen', () => {
    const dim = (x: number, y: number) => Math.round(60 + (drifting(0)(x, y) - 128) / 8);
    const s = measure(100, (i) => (i % 12 === 5 || i % 12 === 6 ? (x, y) => dim(x, y) + 2 : dim));
    assert.equal(s.frozen_share, 1, JSON.stringify(s));
  });

  it('leaves no verdict on local motion for a span shorter than its look-back', () => {
    const s = measure(20, (i) => drifting(0.6 * i));
    assert.equal(s.local_motion, undefined);
    assert.equal(s.relative_motion, undefined);
    assert.equal(s.frozen_share, 0);
  });
});

const reasonOf = (s: Record<string, number>) => {
  const v = judgeClip(s, cfg, { cropBars: false });
  return v.keep ? 'kept' : v.reason;
};

describe('camera motion and scene motion', () => {
  /** A smooth texture without short periods (so a shift of a few cells is not ambiguous), moved by (dx, dy). */
  const texture = (dx: number, dy = 0) => (x: number, y: number) =>
    Math.round(128 + 40 * Math.sin((2 * Math.PI * (x - dx)) / 37 + 1) + 30 * Math.sin((2 * Math.PI * (x - dx + 1.3 * (y - dy))) / 53) + 30 * Math.cos((2 * Math.PI * (y - dy)) / 29));

  it('a pan over a still picture is camera motion, with little scene motion left', () => {
    // 0.2 px a frame at 25 fps: 5 px a second, 5/64 of the width.
    const s = measure(100, (i) => texture(0.2 * i));
    assert.ok(Math.abs(s.camera_motion - 5 / 64) < 0.02, `camera_motion ${s.camera_motion}`);
    assert.ok(s.scene_motion < s.local_motion / 3, JSON.stringify(s));
  });

  it('a steady shot of a small moving object is scene motion, with no camera motion', () => {
    const s = measure(100, (i) => (x, y) => {
      const ox = 20 + 0.2 * i;
      const cover = y >= 14 && y < 20 ? Math.max(0, Math.min(x + 1, ox + 6) - Math.max(x, ox)) : 0;
      return Math.round(texture(0)(x, y) * (1 - cover) + 240 * cover);
    });
    assert.ok(s.camera_motion < 0.01, `camera_motion ${s.camera_motion}`);
    assert.ok(s.scene_motion / s.contrast > cfg.minRelativeMotion, JSON.stringify(s));
  });
});
