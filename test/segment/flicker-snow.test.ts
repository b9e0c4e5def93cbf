/**
 * Regression tests for old film and TV snow: splices within one take under heavy flicker, gate
 * jitter, scratches and grain (the brightness and contrast jump every frame, so the plain step
 * does not stand out at the splice), the same take without a splice, and cuts to and from TV snow
 * (fresh noise every frame, so the frames within the snow differ as much as across its cuts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { oldFilmDamage } from '../../bench/shots/looks.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { detectShots, moves, renderFootage, still, type Format, type FootageShot } from './footage.js';

const fmt: Format = { width: 320, height: 240, fps: 16 };

/** Frames `from`..`from+frames` of one take (a slow pan over a picture), damaged like old film. */
function take(from: number, frames: number, seed: number): FootageShot {
  const pan = moves.pan(fmt, still(fmt, 'fractal', 3, 2), 3);
  return { chain: `${pan},trim=start_frame=${from},setpts=N/(${fmt.fps}*TB)${oldFilmDamage({ seed }, frames, fmt)}`, frames };
}

const snow = (frames: number): FootageShot => ({
  chain: `color=c=gray:s=${fmt.width}x${fmt.height}:r=${fmt.fps},format=yuv420p,noise=alls=100:allf=t+u:all_seed=7,hue=s=0`,
  frames,
});

describe('ShotDetector on old film and TV snow', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('finds the splices of one take under flicker, jitter and scratches', async () => {
    const file = dir.file('splices.mp4');
    // Jumps of 50 and 70 frames forward in the same take: same picture, other framing of it.
    const truth = await renderFootage(file, fmt, [take(0, 40, 1), take(90, 36, 2), take(196, 40, 3)], [{ kind: 'cut' }, { kind: 'cut' }]);
    const { transitions } = await detectShots(file, fmt);
    assert.deepEqual(transitions, truth.cuts.map((c) => ({ kind: 'cut', startFrame: c, endFrame: c })));
  });

  it('reports no boundary in one take under the same flicker', async () => {
    const file = dir.file('one-take.mp4');
    await renderFootage(file, fmt, [take(0, 110, 4)], []);
    const { transitions } = await detectShots(file, fmt);
    assert.deepEqual(transitions, []);
  });

  it('finds the cuts into TV snow and out of it', async () => {
    const file = dir.file('snow.mp4');
    const shot = (seed: number): FootageShot => ({ chain: moves.pan(fmt, still(fmt, 'cells', 3, seed), 2), frames: 40 });
    const truth = await renderFootage(file, fmt, [shot(1), snow(30), shot(5)], [{ kind: 'cut' }, { kind: 'cut' }]);
    const { transitions } = await detectShots(file, fmt);
    assert.deepEqual(transitions, truth.cuts.map((c) => ({ kind: 'cut', startFrame: c, endFrame: c })));
  });
});
