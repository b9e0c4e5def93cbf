/**
 * Regression tests for pictures that change in steps with exact repeats between (animation on twos
 * and threes, 16.7 fps carried in 25 fps, a slowly scrolling low-rate texture, timelapse, game
 * capture with dropped and repeated frames): every step used to read as a cut. Each video holds
 * two such shots joined by one real cut, which must be the only boundary found.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../helpers/media.js';
import { detectShots, moves, renderFootage, still, type Format, type FootageShot } from './footage.js';

const fmt: Format = { width: 320, height: 180, fps: 25 };

describe('ShotDetector on pictures that change in steps with repeats', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  const cases: { name: string; shots: [FootageShot, FootageShot] }[] = [
    {
      name: 'animation on twos, then on threes',
      shots: [
        { chain: moves.repeats(fmt, moves.pan(fmt, still(fmt, 'fractal', 3, 1), 5), '12.5'), frames: 100 },
        { chain: moves.repeats(fmt, moves.shake(fmt, still(fmt, 'cells', 3, 2), 10), '25/3'), frames: 100 },
      ],
    },
    {
      name: '16.7 fps carried in 25 fps, then a slowly scrolling low-rate texture',
      shots: [
        { chain: moves.repeats(fmt, moves.pan(fmt, still(fmt, 'noise', 3, 3), 7), '50/3'), frames: 100 },
        { chain: `${still(fmt, 'cells', 3, 4)},crop=${fmt.width}:${fmt.height}:x='floor(n/5)*4':y=100`, frames: 100 },
      ],
    },
    {
      name: 'timelapse with flicker, then game capture with irregular repeats',
      shots: [
        { chain: moves.repeats(fmt, `${moves.pan(fmt, still(fmt, 'fractal', 3, 5), 9)},eq=brightness='0.04*sin(n*1.7)':eval=frame`, '8'), frames: 100 },
        { chain: moves.repeats(fmt, moves.pan(fmt, still(fmt, 'cells', 3, 6), 12), '21'), frames: 100 },
      ],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: only the cut between them`, async () => {
      const file = dir.file('steps.mp4');
      const truth = await renderFootage(file, fmt, c.shots, [{ kind: 'cut' }]);
      const { transitions } = await detectShots(file, fmt);
      assert.deepEqual(transitions, [{ kind: 'cut', startFrame: truth.cuts[0], endFrame: truth.cuts[0] }]);
    });
  }
});
