/**
 * The frame reader gives the same pixels on every run of a broken stream. ffmpeg's decoders give
 * the same frames with any number of threads only where the stream has no errors; on a damaged
 * one, frames decoded across the damage with several threads differ from run to run, and so would
 * every signal and boundary of the analysis.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { readFrames } from '../../src/media/frames.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

async function digestOfFrames(file: string): Promise<{ frames: number; digest: string }> {
  const hash = createHash('sha256');
  let frames = 0;
  for await (const f of readFrames(file, { width: 160, height: 120 })) {
    hash.update(f.data);
    frames++;
  }
  return { frames, digest: hash.digest('hex') };
}

describe('frame reader on a damaged stream', () => {
  let dir: TempDir;
  let damaged: string;

  before(async () => {
    dir = await tempDir();
    // Theora in Ogg, one keyframe, with a tenth of its bytes cut out of the middle: the frames
    // after the hole are predicted from pictures the decoder never had.
    const whole = dir.file('whole.ogv');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=8,noise=alls=20:allf=t', '-c:v', 'libtheora', '-q:v', '6', '-g', '300', whole]);
    const bytes = await readFile(whole);
    damaged = dir.file('damaged.ogv');
    await writeFile(damaged, Buffer.concat([bytes.subarray(0, Math.floor(bytes.length * 0.3)), bytes.subarray(Math.floor(bytes.length * 0.4))]));
  });
  after(() => dir.remove());

  it('decodes it to the same frames every time', async () => {
    const runs = [];
    for (let k = 0; k < 4; k++) runs.push(await digestOfFrames(damaged));
    assert.ok(runs[0].frames > 100, `${runs[0].frames} frames`);
    for (const run of runs.slice(1)) assert.deepEqual(run, runs[0]);
  });
});
