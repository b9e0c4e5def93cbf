/**
 * The library API as a program uses it: `run` over a generated video with settings given as an
 * object, `inspect` of the same video, and `pack` again from the records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect, pack, run } from '../../src/index.js';
import { listShards, readRecords } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';

describe('library API', () => {
  let dir: TempDir;
  let video: string;
  before(async () => {
    dir = await tempDir('clipmill-api-');
    video = dir.file('cuts.mp4');
    await cutVideo(video, [{ source: 'testsrc2', frames: 60 }, { source: 'mandelbrot', frames: 75 }], '320x180');
  });
  after(async () => dir.remove());

  it('inspect finds the shots of a video', async () => {
    const result = await inspect(video);
    assert.equal(result.frames, 135);
    assert.deepEqual(result.shots.map((s) => [s.startFrame, s.endFrame]), [[0, 59], [60, 134]]);
  });

  it('run makes a dataset and reports what the CLI prints; pack repacks it', async () => {
    const out = dir.file('out');
    const report = await run({ inputs: [video], out, config: { segment: { minClipSec: 1, maxClipSec: 4 } } });
    assert.equal(report.cancelled, false);
    assert.equal(report.counts.done, 1);
    assert.equal(report.pack?.clipsKept, 2);
    assert.equal(report.pack?.shards, (await listShards(out)).length);
    assert.ok(report.warnings.some((w) => w.startsWith('No intended use was declared')), report.warnings.join('\n'));
    const [record] = await readRecords(out);
    assert.deepEqual(record!.clips.map((c) => c.status), ['kept', 'kept']);

    const again = await pack(out);
    assert.deepEqual(again, report.pack);
  });

  it('rejects a misspelt setting with the field named', async () => {
    await assert.rejects(run({ inputs: [video], out: dir.file('bad'), config: { segment: { maxClip: 4 } } }), /segment/);
  });
});
