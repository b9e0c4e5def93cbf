/**
 * Regression tests for camera motion over fine, high-contrast texture: pans and hand-held shake
 * move every small detail across the coarse grid between frames, so the frame-to-frame distances
 * are high and irregular, but it is one shot; real cuts between such shots must still be found.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../helpers/media.js';
import { detectShots, moves, renderFootage, still, type Format } from './footage.js';

const fmt: Format = { width: 320, height: 180, fps: 25 };

describe('ShotDetector on pans and shake over fine texture', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('fast pans and strong shake over fine stripes, grain and sharp cells: exactly the cuts', async () => {
    const file = dir.file('texture.mp4');
    const truth = await renderFootage(
      file,
      fmt,
      [
        { chain: moves.pan(fmt, still(fmt, 'stripes', 3, 1), 8), frames: 75 },
        { chain: moves.shake(fmt, still(fmt, 'stripes', 3, 2), 12), frames: 75 },
        { chain: moves.shake(fmt, still(fmt, 'noise', 3, 3), 12), frames: 75 },
        { chain: moves.pan(fmt, still(fmt, 'stripes', 3, 4), 14), frames: 75 },
        { chain: moves.shake(fmt, still(fmt, 'cells', 3, 5), 14), frames: 75 },
      ],
      [{ kind: 'cut' }, { kind: 'cut' }, { kind: 'cut' }, { kind: 'cut' }],
    );
    const { transitions } = await detectShots(file, fmt);
    assert.deepEqual(
      transitions.map((t) => `${t.kind}@${t.startFrame}`),
      truth.cuts.map((c) => `cut@${c}`),
    );
  });
});
