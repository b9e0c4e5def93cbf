/**
 * Regression tests for colour that drifts within one continuous shot: a hue rotation or a slow
 * brightness ramp changes every frame a little, never the picture at once, so it must not read
 * as a cut or a gradual transition. (With hard histogram bins, flat colour areas crossing a bin
 * edge made single-frame jumps that were taken for cuts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFfmpeg } from '../../bench/shots/synth.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { ShotDetector } from '../../src/segment/detector.js';
import { tempDir, type TempDir } from '../helpers/media.js';

const W = 320;
const H = 180;
const FPS = 25;

async function render(file: string, filter: string, seconds: number): Promise<void> {
  await runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${W}x${H}:r=${FPS}:d=${seconds}`, '-vf', filter, '-c:v', 'libx264', '-preset', 'ultrafast', '-y', `file:${file}`]);
}

async function detect(file: string) {
  const detector = new ShotDetector({ fps: FPS });
  for await (const frame of readFrames(file, analysisSize(W, H, 160))) detector.push(frame);
  return detector.finish();
}

describe('ShotDetector on colour drifting within one shot', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('a hue rotation (30 degrees a second) is one shot with no transitions', async () => {
    const file = dir.file('hue.mp4');
    await render(file, 'hue=h=t*30', 8);
    const { shots, transitions } = await detect(file);
    assert.deepEqual(transitions, []);
    assert.deepEqual(
      shots.map((s) => [s.startFrame, s.endFrame]),
      [[0, 8 * FPS - 1]],
    );
  });

  it('a slow brightness ramp is one shot with no transitions', async () => {
    const file = dir.file('ramp.mp4');
    await render(file, "eq=brightness='-0.35+t*0.12':eval=frame", 6);
    const { shots, transitions } = await detect(file);
    assert.deepEqual(transitions, []);
    assert.equal(shots.length, 1);
  });
});
