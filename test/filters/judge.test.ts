import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterConfig } from '../../src/config/schema.js';
import { barShare, cropFor, judgeClip } from '../../src/filters/judge.js';

const cfg = FilterConfig.parse({});
const good: Record<string, number> = {
  motion_mean: 3, motion_p90: 5, sharpness: 400, edge_sharpness: 25, luma_mean: 110, dark_share: 0.02, bright_share: 0.01,
  contrast: 50, colorfulness: 40, frozen_share: 0, single_color_share: 0, local_motion: 60, relative_motion: 1.2, bits_per_pixel: 0.08,
  bar_top: 0, bar_bottom: 0, bar_left: 0, bar_right: 0,
};
const reason = (s: Record<string, number>, cropBars = false) => {
  const v = judgeClip(s, cfg, { cropBars });
  return v.keep ? 'kept' : v.reason;
};

describe('judgeClip', () => {
  it('keeps a clip within every threshold', () => assert.equal(reason(good), 'kept'));

  it('names the filter, the signal, its value and the threshold', () => {
    assert.equal(reason({ ...good, relative_motion: 0.05 }), 'static: relative_motion=0.05 < 0.2');
    assert.equal(reason({ ...good, motion_mean: 55.5 }), 'chaotic: motion_mean=55.5 > 30');
    assert.equal(reason({ ...good, luma_mean: 8.123 }), 'too_dark: luma_mean=8.12 < 20');
    assert.equal(reason({ ...good, luma_mean: 250 }), 'too_bright: luma_mean=250 > 235');
    assert.equal(reason({ ...good, sharpness: 3.25 }), 'blurry: sharpness=3.25 < 100');
    assert.equal(reason({ ...good, edge_sharpness: 12.5 }), 'blurry: edge_sharpness=12.5 < 23');
    assert.equal(reason({ ...good, bits_per_pixel: 0.0031 }), 'low_bitrate: bits_per_pixel=0.0031 < 0.012');
    assert.equal(reason({ ...good, quantiser: 45 / 51 }), 'low_bitrate: quantiser=0.882 > 0.78');
    assert.equal(reason({ ...good, frozen_share: 0.8 }), 'frozen: frozen_share=0.8 > 0.5');
    assert.equal(reason({ ...good, single_color_share: 0.9, motion_mean: 0 }), 'single_color: single_color_share=0.9 > 0.5');
  });

  it('low_bitrate: the quantiser where the codec gives one, bits per pixel for every codec', () => {
    assert.equal(reason({ ...good, quantiser: 20 / 51 }), 'kept');
    assert.equal(reason({ ...good, quantiser: 39 / 51 }), 'kept');
    assert.equal(reason({ ...good, quantiser: 40 / 51 }), 'low_bitrate: quantiser=0.784 > 0.78');
    // An H.264 stream coded at a bit rate states QP 26 whatever it spent: a starved one still goes.
    assert.equal(reason({ ...good, quantiser: 26 / 51, bits_per_pixel: 0.004 }), 'low_bitrate: bits_per_pixel=0.004 < 0.012');
    assert.equal(judgeClip({ ...good, quantiser: 1 }, { ...cfg, maxQuantiser: 1 }, { cropBars: false }).keep, true);
  });

  it('drops letterboxed clips only when bars are not cropped, and crops them', () => {
    const boxed = { ...good, bar_top: 0.12, bar_bottom: 0.125 };
    assert.equal(barShare(boxed), 0.245);
    assert.equal(reason(boxed), 'letterbox: bar_share=0.245 > 0.1');
    assert.equal(reason(boxed, true), 'kept');
    assert.deepEqual(cropFor(boxed), { left: 0, top: 0.12, right: 0, bottom: 0.125 });
  });

  it('follows configured thresholds', () => {
    const v = judgeClip({ ...good, sharpness: 400 }, { ...cfg, minSharpness: 500 }, { cropBars: false });
    assert.deepEqual(v, { keep: false, reason: 'blurry: sharpness=400 < 500' });
  });
});
