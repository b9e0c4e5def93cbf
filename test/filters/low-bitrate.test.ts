/**
 * low_bitrate over real decodes: clips encoded with ffmpeg at a known quantiser (x264 CRF, which x264
 * writes into the picture's initial QP) or starved of bits, measured from one readFrames pass plus
 * the probe's bits per pixel, as the measure stage does, then judged with the default thresholds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sourceSignals } from '../../src/analysis/signals.js';
import { FilterConfig } from '../../src/config/schema.js';
import { firstDrop } from '../../src/filters/filter.js';
import { judgeClip, qualityFilters } from '../../src/filters/judge.js';
import { probe } from '../../src/media/probe.js';
import { measureFile } from '../helpers/measure-file.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const cfg = FilterConfig.parse({});
const X264 = (crf: number) => ['-c:v', 'libx264', '-threads', '1', '-preset', 'ultrafast', '-crf', String(crf), '-pix_fmt', 'yuv420p'];

async function signalsOf(file: string): Promise<Record<string, number>> {
  const info = await probe(file);
  const { signals, frames } = await measureFile(file, info.video.width, info.video.height);
  assert.ok(frames >= 25, `decoded ${frames} frames`);
  return { ...signals.clipSignals(0, frames - 1), ...sourceSignals(info) };
}

const verdict = (s: Record<string, number>) => {
  const v = judgeClip(s, cfg, { cropBars: false });
  return v.keep ? 'kept' : v.reason;
};

/** The low_bitrate filter's verdict alone (a starved clip may be blurry as well). */
const lowBitrate = (s: Record<string, number>) => {
  const v = firstDrop(qualityFilters(cfg, { cropBars: false }).filter((f) => f.name === 'low_bitrate'), s);
  return v.keep ? 'kept' : v.reason;
};

describe('low_bitrate on generated clips', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => dir.remove());

  /** Two seconds of moving testsrc2 at a size (or through `vf`), encoded with `enc`. */
  async function encode(name: string, size: string, enc: string[], vf = 'null'): Promise<string> {
    const out = dir.file(name);
    await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=25`, '-t', '2', '-vf', vf, ...enc, out]);
    return out;
  }

  it('drops x264 crf 51 at 320x240 and 1280x720 by its quantiser, though bits per pixel reads as enough; keeps crf 18', { timeout: 120_000 }, async () => {
    for (const size of ['320x240', '1280x720']) {
      const coarse = await signalsOf(await encode('crf51.mp4', size, X264(51)));
      assert.equal(coarse.quantiser, 1, `${size}: ${JSON.stringify(coarse)}`);
      // Moving detail costs bits even at QP 51: the bits-per-pixel rule alone keeps these.
      assert.ok(coarse.bits_per_pixel > cfg.minBitsPerPixel, `${size}: ${JSON.stringify(coarse)}`);
      assert.equal(verdict(coarse), 'low_bitrate: quantiser=1 > 0.78', size);
      const fine = await signalsOf(await encode('crf18.mp4', size, X264(18)));
      assert.ok(Math.abs(fine.quantiser - 18 / 51) < 1e-6, `${size}: ${JSON.stringify(fine)}`);
      assert.equal(verdict(fine), 'kept', `${size}: ${JSON.stringify(fine)}`);
    }
  });

  it('reads the quantiser on each codec scale: h264 QP over 51, VP9 q index over 255; none for mjpeg, vp8, mpeg4', { timeout: 120_000 }, async () => {
    const h264 = await signalsOf(await encode('crf40.mp4', '320x240', X264(40)));
    assert.ok(Math.abs(h264.quantiser - 40 / 51) < 1e-6, JSON.stringify(h264));
    assert.match(verdict(h264), /^low_bitrate: quantiser=0\.78\d* > 0\.78$/);
    const vp9 = await signalsOf(await encode('vp9.webm', '320x240', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '0', '-crf', '63']));
    assert.ok(vp9.quantiser > 0.78 && vp9.quantiser <= 1, JSON.stringify(vp9));
    for (const [name, enc] of [
      ['mjpeg.avi', ['-c:v', 'mjpeg', '-q:v', '4', '-pix_fmt', 'yuvj420p']],
      ['vp8.webm', ['-c:v', 'libvpx', '-b:v', '1M', '-deadline', 'realtime', '-cpu-used', '8']],
      ['mpeg4.avi', ['-c:v', 'mpeg4', '-q:v', '4']],
    ] as const) {
      const s = await signalsOf(await encode(name, '320x240', [...enc]));
      assert.equal(s.quantiser, undefined, `${name}: ${JSON.stringify(s)}`);
      assert.equal(verdict(s), 'kept', `${name}: ${JSON.stringify(s)}`);
    }
  });

  it('still drops a codec without a quantiser by bits per pixel: vp8 at its coarsest on smooth moving content', { timeout: 120_000 }, async () => {
    const vp8 = ['-c:v', 'libvpx', '-b:v', '30k', '-qmin', '63', '-qmax', '63', '-deadline', 'realtime', '-cpu-used', '8'];
    const s = await signalsOf(await encode('vp8-starved.webm', '80x60', vp8, 'scale=320:240:flags=bicubic'));
    assert.equal(s.quantiser, undefined, JSON.stringify(s));
    assert.match(lowBitrate(s), /^low_bitrate: bits_per_pixel=[\d.e-]+ < 0\.012$/, JSON.stringify(s));
  });
});
