/**
 * End to end over real decodes: clips built with ffmpeg so their faults are known by construction,
 * measured by FrameSignals from one readFrames pass, then judged with the default thresholds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { measureFile } from '../helpers/measure-file.js';
import { FilterConfig } from '../../src/config/schema.js';
import { cropFor, judgeClip } from '../../src/filters/judge.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const cfg = FilterConfig.parse({});

async function measure(file: string, width: number, height: number): Promise<Record<string, number>> {
  const { signals, frames } = await measureFile(file, width, height);
  assert.ok(frames > 40, `decoded ${frames} frames`);
  return signals.clipSignals(0, frames - 1);
}

describe('quality filters on generated clips', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => dir.remove());

  /** Two seconds of a lavfi source (mandelbrot has no duration option, hence -t). */
  async function clip(name: string, source: string, vf?: string): Promise<string> {
    const out = dir.file(name);
    await ffmpeg(['-f', 'lavfi', '-i', source, '-t', '2', ...(vf ? ['-vf', vf] : []), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out]);
    return out;
  }

  it('keeps moving, sharp footage (testsrc2, mandelbrot)', async () => {
    for (const source of ['testsrc2=s=320x180:r=25', 'mandelbrot=s=320x180:r=25']) {
      const s = await measure(await clip('ok.mp4', source), 320, 180);
      assert.deepEqual(judgeClip(s, cfg, { cropBars: false }), { keep: true }, `${source}: ${JSON.stringify(s)}`);
      assert.ok(s.motion_mean > 0.5 && s.sharpness > 100 && s.relative_motion > cfg.minRelativeMotion);
    }
  });

  it('drops a still image shown for two seconds as frozen', async () => {
    const s = await measure(await clip('still.mp4', 'testsrc2=s=320x180:r=25', 'trim=end_frame=1,loop=loop=-1:size=1,trim=duration=2'), 320, 180);
    assert.equal(s.frozen_share, 1);
    assert.ok(s.motion_mean < 0.25);
    const v = judgeClip(s, cfg, { cropBars: false });
    assert.equal(v.keep, false);
    assert.match(!v.keep ? v.reason : '', /^frozen: frozen_share=1 > 0\.5$/);
    // With the frozen filter off, the static filter still catches it.
    const v2 = judgeClip(s, { ...cfg, maxFrozenShare: 1 }, { cropBars: false });
    assert.match(!v2.keep ? v2.reason : '', /^static: relative_motion=[\d.e-]+ < 0\.2$/);
  });

  it('drops a black clip as single colour', async () => {
    const s = await measure(await clip('black.mp4', 'color=c=black:s=160x90:r=25'), 160, 90);
    assert.equal(s.single_color_share, 1);
    assert.equal(s.dark_share, 1);
    const v = judgeClip(s, cfg, { cropBars: false });
    assert.match(!v.keep ? v.reason : '', /^single_color: single_color_share=1 > 0\.5$/);
  });

  /** `seconds` of a lavfi source at a size (mandelbrot has no duration option, hence -t), through `vf`. */
  async function sized(name: string, source: string, seconds: number, vf: string): Promise<string> {
    const out = dir.file(name);
    await ffmpeg(['-f', 'lavfi', '-i', source, '-t', String(seconds), '-vf', vf, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', out]);
    return out;
  }

  it('drops a Gaussian-blurred picture as blurry at two resolutions, and keeps the sharp one', async () => {
    for (const [w, h] of [[320, 180], [1280, 720]]) {
      // The same blur relative to the picture: sigma of 1.5 analysis pixels (160 wide).
      const sigma = (1.5 * w) / 160;
      for (const source of [`mandelbrot=s=${w}x${h}:r=25`, `testsrc2=s=${w}x${h}:r=25`]) {
        const sharp = await measure(await sized('sharp.mp4', source, 2, 'null'), w, h);
        assert.deepEqual(judgeClip(sharp, cfg, { cropBars: false }), { keep: true }, `${source}: ${JSON.stringify(sharp)}`);
        const blurred = await measure(await sized('blurred.mp4', source, 2, `gblur=sigma=${sigma}`), w, h);
        const v = judgeClip(blurred, cfg, { cropBars: false });
        assert.match(!v.keep ? v.reason : '', /^blurry: sharpness=[\d.]+ < /, `${source}: ${JSON.stringify(blurred)}`);
      }
    }
  });

  it('keeps a cadence of repeats (12.5 fps in 25 fps) and a very slow pan; drops a slideshow of stills', async () => {
    const cadence = await measure(await sized('cadence.mp4', 'testsrc2=s=320x180:r=25', 3, 'fps=12.5,fps=25'), 320, 180);
    assert.equal(cadence.frozen_share, 0, JSON.stringify(cadence));
    assert.deepEqual(judgeClip(cadence, cfg, { cropBars: false }), { keep: true });

    // A still 1280x720 picture panned at 6 px a second (under one analysis pixel a second).
    const pan = await measure(
      await sized('pan.mp4', 'mandelbrot=s=1400x720:r=25', 4, "trim=end_frame=1,loop=loop=-1:size=1,trim=duration=4,crop=1280:720:x='t*6':y=0"),
      1280, 720,
    );
    assert.ok(pan.frozen_share < cfg.maxFrozenShare, JSON.stringify(pan));
    assert.deepEqual(judgeClip(pan, cfg, { cropBars: false }), { keep: true }, JSON.stringify(pan));

    // Four different stills, one second each.
    const still = "trim=end_frame=1,loop=loop=24:size=1";
    const slides = dir.file('slides.mp4');
    await ffmpeg([
      ...['testsrc2', 'mandelbrot', 'smptebars', 'rgbtestsrc'].flatMap((src) => ['-f', 'lavfi', '-t', '1', '-i', `${src}=s=320x180:r=25`]),
      '-filter_complex', `${[0, 1, 2, 3].map((i) => `[${i}:v]${still},setpts=N/25/TB,format=yuv420p[s${i}]`).join(';')};[s0][s1][s2][s3]concat=n=4:v=1:a=0[out]`,
      '-map', '[out]', '-c:v', 'libx264', '-preset', 'ultrafast', slides,
    ]);
    const show = await measure(slides, 320, 180);
    // The first frame or two of each still differ from the rest as the encoder refines it.
    assert.ok(show.frozen_share > 0.9, JSON.stringify(show));
    const v = judgeClip(show, cfg, { cropBars: false });
    assert.match(!v.keep ? v.reason : '', /^frozen: /);
  });

  it('keeps a slow Ken Burns zoom over a still, at full contrast and at a hazy 12%; keeps a 2 fps sequence carried at 25 fps', async () => {
    // A 1280x720 still zoomed by 0.0005 a frame for 6 s (3% in all). At 12% of the contrast its
    // cells move by under 2 levels in half a second: the old absolute tolerance read frozen 0.89.
    for (const look of ['null', 'eq=contrast=0.12']) {
      const out = dir.file('kenburns.mp4');
      await ffmpeg([
        '-f', 'lavfi', '-i', 'mandelbrot=s=1280x720', '-vf',
        `trim=end_frame=1,${look},format=yuv420p,zoompan=z='1+0.0005*on':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=150:s=640x360:fps=25`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', out,
      ]);
      const s = await measure(out, 640, 360);
      // Its stillest half-second stretches come close to a stop (the hazy one's longest is 14 frames).
      assert.ok(s.frozen_share < 0.2, `${look}: ${JSON.stringify(s)}`);
      assert.deepEqual(judgeClip(s, cfg, { cropBars: false }), { keep: true }, `${look}: ${JSON.stringify(s)}`);
    }
    // Two distinct pictures a second, each held 12 or 13 frames (a timelapse, a very low-rate source).
    const steps = await measure(await sized('steps.mp4', 'testsrc2=s=320x180:r=25', 6, 'fps=2,fps=25'), 320, 180);
    assert.equal(steps.frozen_share, 0, JSON.stringify(steps));
    assert.deepEqual(judgeClip(steps, cfg, { cropBars: false }), { keep: true }, JSON.stringify(steps));
  });

  it('finds a 3 s freeze in the middle of a moving shot, in h264 and in a dim MPEG-2 with a 12-frame GOP', async () => {
    // testsrc2 moves for 1.5 s, frame 37 is held for 3 s (75 frames), then it moves for 2.5 s: 174 frames.
    const vf = (look: string) => `loop=loop=74:size=1:start=37,setpts=N/25/TB,${look}`;
    const h264 = await measureFile(await sized('freeze.mp4', 'testsrc2=s=320x180:r=25:d=4', 7, vf('null')), 320, 180);
    const dim = dir.file('freeze-dim.mpg');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=4', '-vf', vf('eq=contrast=0.25:brightness=-0.2'), '-c:v', 'mpeg2video', '-q:v', '8', '-g', '12', dim]);
    for (const [name, { signals, frames }] of [['h264', h264], ['mpeg2', await measureFile(dim, 320, 180)]] as const) {
      assert.equal(frames, 174, name);
      const whole = signals.clipSignals(0, frames - 1);
      // The encoder refines the held picture over its first frame or two.
      assert.ok(Math.abs(whole.frozen_share - 75 / 174) < 0.02, `${name}: ${JSON.stringify(whole)}`);
      assert.equal(signals.clipSignals(40, 110).frozen_share, 1, name);
      assert.equal(signals.clipSignals(0, 35).frozen_share, 0, name);
      assert.equal(signals.clipSignals(114, 173).frozen_share, 0, name);
    }
  });

  it('keeps a steady shot of a small object moving slowly over a still background: scene motion, no camera motion', async () => {
    // A still 1280x720 picture; a white 32x32 square crossing it at 16 px a second (2 analysis
    // pixels). At this size the square's whole-pixel steps come several times a second.
    const out = dir.file('slow-object.mp4');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'mandelbrot=s=1280x720:r=25', '-f', 'lavfi', '-i', 'color=c=white:s=32x32:r=25',
      '-filter_complex', "[0:v]trim=end_frame=1,loop=loop=-1:size=1,trim=duration=4,setpts=N/25/TB[bg];[bg][1:v]overlay=x='400+16*t':y=320:shortest=1,format=yuv420p[out]",
      '-map', '[out]', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', out,
    ]);
    const s = await measure(out, 1280, 720);
    assert.ok(s.frozen_share < cfg.maxFrozenShare, JSON.stringify(s));
    assert.ok(s.camera_motion < 0.01 && s.scene_motion / s.contrast > cfg.minRelativeMotion, JSON.stringify(s));
    assert.deepEqual(judgeClip(s, cfg, { cropBars: false }), { keep: true }, JSON.stringify(s));
  });

  it('drops a heavily blurred clip as blurry', async () => {
    const s = await measure(await clip('blur.mp4', 'testsrc2=s=320x180:r=25', 'boxblur=10:2'), 320, 180);
    const v = judgeClip(s, cfg, { cropBars: false });
    assert.match(!v.keep ? v.reason : '', /^blurry: sharpness=[\d.]+ < 100$/);
  });

  it('drops a letterboxed clip unless bars are cropped, and gives the crop', async () => {
    // 320x136 picture padded to 320x180: 22 rows of black above and below (12.2% each).
    const s = await measure(await clip('letterbox.mp4', 'testsrc2=s=320x136:r=25', 'pad=320:180:0:22:black'), 320, 180);
    const off = judgeClip(s, cfg, { cropBars: false });
    assert.match(!off.keep ? off.reason : '', /^letterbox: bar_share=0\.2\d* > 0\.1$/);
    assert.deepEqual(judgeClip(s, cfg, { cropBars: true }), { keep: true });
    const crop = cropFor(s);
    assert.equal(crop.left, 0);
    assert.equal(crop.right, 0);
    for (const side of [crop.top, crop.bottom]) assert.ok(side > 0.1 && side <= 22 / 180 + 0.012, `bar ${side}`);
  });

  it('finds pillarbox bars on the left and right', async () => {
    const s = await measure(await clip('pillar.mp4', 'mandelbrot=s=240x180:r=25', 'pad=320:180:40:0:black'), 320, 180);
    assert.ok(Math.abs(s.bar_left - 40 / 320) < 0.02 && Math.abs(s.bar_right - 40 / 320) < 0.02, JSON.stringify(s));
    assert.equal(s.bar_top, 0);
  });
});
