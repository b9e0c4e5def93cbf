/**
 * The per-source task as a list of stages: the default list (and `clipmill run --explain`), a
 * list changed in a few lines (a custom threshold filter and an annotator), and the safety stages.
 * Thresholds of the custom filter come from a first run's measurements, so the expected drop is
 * known by construction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/schema.js';
import { filters, run, stages, type ClipAnnotator } from '../../src/index.js';
import { MEASURED_SIGNALS } from '../../src/schema/signals.js';
import { runCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { cutVideo, ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const SEGMENT = { segment: { minClipSec: 1, maxClipSec: 4 } };

describe('per-source stages', () => {
  let dir: TempDir;
  let video: string;
  before(async () => {
    dir = await tempDir('clipmill-stages-');
    video = dir.file('two-shots.mp4');
    await cutVideo(video, [{ source: 'testsrc2', frames: 50 }, { source: 'mandelbrot', frames: 50 }], '320x180');
  });
  after(async () => dir.remove());

  it('the default list, as --explain prints it', async () => {
    const names = stages.defaultStages(defaultConfig()).map((s) => s.name);
    assert.deepEqual(names, ['admit', 'fetch', 'probe', 'analyse', 'plan', 'measure', 'quality', 'extract', 'describe']);
    const explained = await runCli(['run', video, '--out', dir.file('unused'), '--explain', '--safety']);
    assert.equal(explained.code, 0, explained.stderr);
    const lines = explained.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.trim().split(/\s+/)[1]), ['admit', 'fetch', 'probe', 'analyse', 'plan', 'measure', 'quality', 'safety', 'unsafe', 'extract', 'describe']);
    assert.match(explained.stdout, /quality +quality filters, first drop wins: single_color, frozen, static, chaotic, too_dark, too_bright, blurry, low_bitrate, unsafe, letterbox/);
  });

  it('a custom filter and annotator change the list in a few lines', async () => {
    const plain = dir.file('plain');
    await run({ inputs: [video], out: plain, config: SEGMENT });
    const [measured] = await readRecords(plain);
    const clips = measured!.clips;
    assert.deepEqual(clips.map((c) => c.status), ['kept', 'kept']);
    assert.deepEqual(Object.keys(clips[0]!.signals!).sort(), [...MEASURED_SIGNALS].sort(), 'the signal names are those measured');
    const [a, b] = clips.map((c) => c.signals!.sharpness!);
    const limit = (a! + b!) / 2;
    const blurrier = a! < b! ? 0 : 1;

    const seen: number[] = [];
    const sizeTag: ClipAnnotator = {
      name: 'size-tag',
      batchSize: 2,
      concurrency: 2,
      async annotate(batch) {
        seen.push(batch.length);
        return batch.map((clip) => ({ caption: `${clip.width}x${clip.height}`, metadata: { tagged: true } }));
      },
    };
    const custom = dir.file('custom');
    const report = await run({
      inputs: [video], out: custom, config: SEGMENT,
      stages: (list) => [
        ...list.slice(0, -1),
        stages.filterStage({ name: 'sharp', filters: [new filters.ThresholdFilter({ name: 'soft', signal: 'sharpness', op: '<', limit })] }),
        ...list.slice(-1),
        stages.annotateStage(sizeTag),
      ],
    });
    assert.equal(report.pack?.clipsKept, 1);
    const [record] = await readRecords(custom);
    const dropped = record!.clips[blurrier]!;
    const kept = record!.clips[1 - blurrier]!;
    assert.equal(dropped.status, 'dropped');
    assert.match(dropped.reason!, /^soft: sharpness=[\d.]+ < [\d.]+$/);
    assert.equal(dropped.file, undefined, 'a dropped clip is not extracted');
    assert.equal(kept.caption, '320x180');
    assert.deepEqual(kept.metadata, { tagged: true });
    assert.deepEqual(seen, [1], 'the annotator saw the one kept clip');
    assert.deepEqual(Object.keys(record!.timings), ['fetch', 'probe', 'analyse', 'extract', 'sharp', 'describe', 'size-tag', 'total']);
  });

  it('a filter placed after extraction removes the files of what it drops', async () => {
    const out = dir.file('late');
    await run({
      inputs: [video], out, config: SEGMENT,
      stages: (list) => [...list, stages.filterStage({ name: 'none', filters: [new filters.ThresholdFilter({ name: 'all', signal: 'luma_mean', op: '>', limit: -1 })] })],
    });
    const [record] = await readRecords(out);
    assert.deepEqual(record!.clips.map((c) => [c.status, c.file]), [['dropped', undefined], ['dropped', undefined]]);
  });

  it('clip times and frame rates are numbers a person reads: rounded, not float noise', async () => {
    const ntsc = dir.file('ntsc.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30000/1001:d=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ntsc]);
    const out = dir.file('ntsc-out');
    await run({ inputs: [ntsc], out, config: { segment: { minClipSec: 0.5, maxClipSec: 1.1 } } });
    const [record] = await readRecords(out);
    assert.ok(record!.clips.length >= 2);
    for (const clip of record!.clips) {
      assert.equal(clip.fps, 29.97);
      for (const t of [clip.startTime, clip.endTime, clip.duration]) assert.equal(t, Math.round(t * 1e6) / 1e6, `${t} is rounded to the microsecond`);
      assert.equal(clip.duration, Math.round((clip.endTime - clip.startTime) * 1e6) / 1e6);
      // Frame-exact: the span's frame count over the stream's rate, to the microsecond.
      assert.ok(Math.abs(clip.duration - (clip.endFrame - clip.startFrame + 1) * 1001 / 30000) < 2e-6, `${clip.duration}`);
    }
  });

  it('a misspelt signal name does not compile', () => {
    // @ts-expect-error -- 'motoin_mean' is not a signal
    const typo = new filters.ThresholdFilter({ name: 'typo', signal: 'motoin_mean', op: '<', limit: 1 });
    assert.equal(typo.judge({ motion_mean: 0 }).keep, true);
  });

  it('the safety stages score kept clips before extraction', { timeout: 300_000 }, async () => {
    const out = dir.file('safety');
    await run({ inputs: [video], out, config: { ...SEGMENT, filter: { safety: true } } });
    const [record] = await readRecords(out);
    for (const clip of record!.clips) {
      assert.equal(clip.status, 'kept');
      assert.ok(clip.signals!.nsfw! >= 0 && clip.signals!.nsfw! <= 0.5, `nsfw ${clip.signals!.nsfw}`);
    }
  });
});
