/**
 * Regression tests for cuts out of (or into) fast motion where the two sides differ mostly in
 * brightness: a shaking, darkening shot cut to a pale, nearly still one (as a logo animation cuts
 * from a blurred crash zoom to a white plane). The shaking side's pictures differ from each other
 * about as much as the pictures across the cut, and its steps set a high local level, so only the
 * one-frame jump of the mean luma tells. Light that comes back (a burst) and a steady darkening
 * within one shot must stay no cut.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../helpers/media.js';
import { detectShots, moves, renderFootage, still, type Format, type FootageShot } from './footage.js';

const fmt: Format = { width: 320, height: 180, fps: 25 };

/** A nearly flat, pale picture drifting slowly (mean luma about 215). */
const pale = (seed: number) => `${moves.pan(fmt, still(fmt, 'fractal', 3, seed), 1)},gblur=sigma=3,lutyuv=y='205+val*0.1':u=128:v=128`;
/** Luma falling linearly from frame `from` on, by `rate` of its starting value a frame, down to 30% of it. */
const darkening = (from: number, rate: number) => `geq=lum='p(X,Y)*max(0.3,1-max(0,N-${from})*${rate})':cb='p(X,Y)':cr='p(X,Y)'`;
/** A dark picture under violent hand-held shake, darkening over its last frames. */
const shakingDark = (picture: 'cells' | 'fractal', seed: number, px: number) =>
  `${moves.shake(fmt, still(fmt, picture, 3, seed), px)},gblur=sigma=3,${darkening(38, 0.06)},lutyuv=y='40+val*0.6'`;
/** `len` frames from `at` washed towards white, the rest untouched: a burst of light. */
const burst = (at: number, len: number) => `geq=lum='if(between(N,${at},${at + len - 1}),min(255,p(X,Y)*0.3+180),p(X,Y))':cb='p(X,Y)':cr='p(X,Y)'`;

describe('ShotDetector on cuts told by brightness', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  const cuts: { name: string; shots: FootageShot[] }[] = [
    { name: 'a shaking dark shot cut to a pale still one', shots: [{ chain: shakingDark('cells', 1, 40), frames: 45 }, { chain: pale(7), frames: 40 }] },
    { name: 'another shaking dark shot cut to a pale still one', shots: [{ chain: shakingDark('fractal', 2, 50), frames: 45 }, { chain: pale(4), frames: 40 }] },
    { name: 'a pale still shot cut to a shaking dark one', shots: [{ chain: pale(7), frames: 40 }, { chain: shakingDark('cells', 1, 40), frames: 45 }] },
  ];
  for (const c of cuts) {
    it(`${c.name} is one cut, at its frame`, async () => {
      const file = dir.file('cut.mp4');
      const truth = await renderFootage(file, fmt, c.shots, [{ kind: 'cut' }]);
      const { transitions } = await detectShots(file, fmt);
      assert.deepEqual(transitions, [{ kind: 'cut', startFrame: truth.cuts[0], endFrame: truth.cuts[0] }]);
    });
  }

  const shots: { name: string; shot: FootageShot }[] = [
    { name: 'a shaking shot darkening steadily', shot: { chain: shakingDark('cells', 1, 40), frames: 85 } },
    { name: 'a burst of light of three frames in a shaking shot', shot: { chain: `${moves.shake(fmt, still(fmt, 'cells', 3, 2), 40)},gblur=sigma=3,lutyuv=y='40+val*0.5',${burst(40, 3)}`, frames: 85 } },
    { name: 'a burst of light of one frame in a shaking shot', shot: { chain: `${moves.shake(fmt, still(fmt, 'fractal', 3, 2), 40)},gblur=sigma=3,lutyuv=y='40+val*0.5',${burst(40, 1)}`, frames: 85 } },
    { name: 'a burst of light of six frames in a pan', shot: { chain: `${moves.pan(fmt, still(fmt, 'fractal', 3, 4), 3)},lutyuv=y='40+val*0.5',${burst(40, 6)}`, frames: 85 } },
  ];
  for (const c of shots) {
    it(`${c.name} is no boundary`, async () => {
      const file = dir.file('shot.mp4');
      await renderFootage(file, fmt, [c.shot], []);
      const { transitions } = await detectShots(file, fmt);
      assert.deepEqual(transitions, []);
    });
  }
});
