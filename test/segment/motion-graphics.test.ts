/**
 * Regression tests for motion graphics: a crash zoom, a whip pan with motion blur, pictures flying
 * in and out over a moving background, kinetic typography (words popping in, sliding and growing)
 * and a morphing shape. Big changes between frames, but no new shot: only the real cut that ends
 * each of them may be reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../helpers/media.js';
import { detectShots, moves, renderFootage, still, type Format, type FootageShot } from './footage.js';

const fmt: Format = { width: 320, height: 180, fps: 25 };
const calm = (seed: number): FootageShot => ({ chain: moves.pan(fmt, still(fmt, 'fractal', 3, seed), 2), frames: 40 });

describe('ShotDetector on motion graphics', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  const cases: { name: string; shot: FootageShot }[] = [
    { name: 'a crash zoom', shot: { chain: moves.zoom(fmt, still(fmt, 'cells', 3, 1), 0.06), frames: 75 } },
    { name: 'a whip pan with motion blur', shot: { chain: moves.whip(fmt, still(fmt, 'fractal', 3, 2), 10, 40), frames: 80 } },
    {
      name: 'pictures flying in and out',
      shot: { chain: moves.flying(fmt, moves.pan(fmt, still(fmt, 'fractal', 3, 3), 1), [still(fmt, 'cells', 3, 4), still(fmt, 'noise', 3, 5), still(fmt, 'fractal', 3, 6)], 'f'), frames: 100 },
    },
    { name: 'kinetic typography', shot: { chain: moves.typography(fmt, ['FAST', 'CUTS', 'ARE', 'NOT', 'SHOTS', 'WOW', 'GO'], 9), frames: 63 } },
    { name: 'a morphing shape', shot: { chain: moves.morph(fmt), frames: 100 } },
  ];

  for (const c of cases) {
    it(`${c.name} is one shot, ended by the one real cut`, async () => {
      const file = dir.file('graphics.mp4');
      const truth = await renderFootage(file, fmt, [c.shot, calm(7)], [{ kind: 'cut' }]);
      const { transitions } = await detectShots(file, fmt);
      assert.deepEqual(transitions, [{ kind: 'cut', startFrame: truth.cuts[0], endFrame: truth.cuts[0] }]);
    });
  }
});
