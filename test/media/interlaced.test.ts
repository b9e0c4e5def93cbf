import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/schema.js';
import { extractClips } from '../../src/media/extract.js';
import { readFrames } from '../../src/media/frames.js';
import { isInterlaced, probe } from '../../src/media/probe.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

/** Mean distance of each row from the average of its neighbours: high where fields of two moments are woven together. */
async function combing(file: string): Promise<number> {
  let sum = 0;
  let n = 0;
  for await (const f of readFrames(file, { width: 320, height: 240 })) {
    const g = (x: number, y: number) => f.data[(y * 320 + x) * 3 + 1];
    for (let y = 1; y < 239; y++) {
      for (let x = 0; x < 320; x += 2) sum += Math.abs(g(x, y) - (g(x, y - 1) + g(x, y + 1)) / 2);
    }
    n += 238 * 160;
  }
  return sum / n;
}

describe('interlaced material', () => {
  let dir: TempDir;
  let file: string;
  before(async () => {
    dir = await tempDir();
    file = dir.file('interlaced.mp4');
    // 50 fields/s woven into 25 interlaced frames/s, top field first.
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=50:d=2', '-vf', 'scroll=h=0.03,interlace,setfield=tff', '-flags', '+ilme+ildct',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-x264opts', 'tff=1', file]);
  });
  after(() => dir.remove());

  it('is recognised, analysed frame for frame and written progressive', async () => {
    const info = await probe(file);
    assert.ok(isInterlaced(info), `field order ${info.video.fieldOrder}`);
    let frames = 0;
    for await (const f of readFrames(file, { width: 32, height: 24, deinterlace: true })) {
      assert.ok(Math.abs(f.time - frames / 25) < 1e-3);
      frames++;
    }
    assert.equal(frames, 50, 'deinterlacing keeps one frame per frame');
    const [clip] = await extractClips(file, info, [{ clipId: 'c', startFrame: 10, endFrame: 34, startTime: 0.4, endTime: 1.4 }], dir.file('clips'), defaultConfig().extract);
    assert.equal(clip.frames, 25);
    const woven = await combing(file);
    const written = await combing(clip.file);
    assert.ok(written < woven / 2, `combing ${written.toFixed(1)} in the clip vs ${woven.toFixed(1)} in the source`);
  });
});
