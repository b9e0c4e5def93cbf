/**
 * Regression tests for gradual transitions: a dissolve (slow, or over a few frames only) is one
 * gradual boundary, never two cuts or a cut and a span, also when the next one follows at once; a slow fade of a flat grey picture from
 * one level to another (every frame one flat level, no contrast at all) is found.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Transition } from '../../src/types.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { detectShots, moves, renderFootage, still, type FootageTruth, type Format } from './footage.js';

const fmt: Format = { width: 320, height: 180, fps: 25 };
const flat = (hex: string) => `color=c=0x${hex}:s=${fmt.width}x${fmt.height}:r=${fmt.fps}`;

/** Each true span is overlapped by exactly one detected gradual transition, and nothing else was found. */
function assertGradualOnce(truth: FootageTruth, found: Transition[]): void {
  const text = JSON.stringify(found);
  for (const g of truth.gradual) {
    const hits = found.filter((d) => d.startFrame <= g.endFrame + 2 && d.endFrame >= g.startFrame - 2);
    assert.equal(hits.length, 1, `one boundary over ${g.startFrame}-${g.endFrame} (got ${text})`);
    assert.equal(hits[0].kind, 'gradual', `the boundary over ${g.startFrame}-${g.endFrame} is gradual (got ${text})`);
  }
  const cuts = found.filter((d) => d.kind === 'cut').map((d) => d.startFrame);
  assert.deepEqual(cuts, truth.cuts, text);
  assert.equal(found.length, truth.cuts.length + truth.gradual.length, text);
}

describe('ShotDetector on dissolves and flat fades', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('a slow dissolve, a quick 6-frame one and a pixel dissolve between moving shots: one gradual boundary each', async () => {
    const file = dir.file('dissolves.mp4');
    const truth = await renderFootage(
      file,
      fmt,
      [
        { chain: moves.pan(fmt, still(fmt, 'fractal', 3, 1), 3), frames: 70 },
        { chain: moves.shake(fmt, still(fmt, 'stripes', 3, 2), 4), frames: 70 },
        { chain: moves.shake(fmt, still(fmt, 'fractal', 3, 3), 2), frames: 70 },
        { chain: moves.zoom(fmt, still(fmt, 'cells', 3, 4), 0.004), frames: 60 },
      ],
      [
        { kind: 'xfade', transition: 'fade', frames: 25 },
        { kind: 'xfade', transition: 'fade', frames: 6 },
        { kind: 'xfade', transition: 'dissolve', frames: 20 },
      ],
    );
    assertGradualOnce(truth, (await detectShots(file, fmt)).transitions);
  });

  it('a picture shown for a fifth of a second between two shots is one boundary over it, not two cuts', async () => {
    const file = dir.file('brief.mp4');
    await renderFootage(
      file,
      fmt,
      [
        { chain: moves.pan(fmt, still(fmt, 'fractal', 3, 5), 2), frames: 60 },
        { chain: moves.shake(fmt, still(fmt, 'stripes', 3, 6), 3), frames: 5 },
        { chain: moves.zoom(fmt, still(fmt, 'cells', 3, 7), 0.004), frames: 60 },
      ],
      [{ kind: 'cut' }, { kind: 'cut' }],
    );
    const found = (await detectShots(file, fmt)).transitions;
    assert.deepEqual(found, [{ kind: 'gradual', startFrame: 60, endFrame: 64 }], JSON.stringify(found));
  });

  it('flat grey fades, dark to light, black to grey and between two close greys, are found', async () => {
    const file = dir.file('grey.mp4');
    const truth = await renderFootage(
      file,
      fmt,
      [
        { chain: flat('404040'), frames: 60 },
        { chain: flat('c8c8c8'), frames: 80 },
        { chain: moves.pan(fmt, still(fmt, 'fractal', 3, 5), 2), frames: 50 },
        { chain: flat('000000'), frames: 50 },
        { chain: flat('808080'), frames: 90 },
        { chain: flat('9a9a9a'), frames: 60 },
      ],
      [
        { kind: 'xfade', transition: 'fade', frames: 40 },
        { kind: 'cut' },
        { kind: 'cut' },
        { kind: 'xfade', transition: 'fade', frames: 45 },
        { kind: 'xfade', transition: 'fade', frames: 30 },
      ],
    );
    assertGradualOnce(truth, (await detectShots(file, fmt)).transitions);
  });

  it('three slow dissolves back to back, a few frames apart: one gradual boundary each', async () => {
    // Each middle shot is its two dissolves with three frames between: the first dissolve still
    // raises the 1 s comparison when the second begins.
    const file = dir.file('back-to-back.mp4');
    const truth = await renderFootage(
      file,
      fmt,
      [
        { chain: moves.shake(fmt, still(fmt, 'fractal', 3, 2), 1), frames: 120 },
        { chain: moves.shake(fmt, still(fmt, 'cells', 3, 5), 1), frames: 103 },
        { chain: moves.shake(fmt, still(fmt, 'stripes', 3, 7), 1), frames: 103 },
        { chain: moves.shake(fmt, still(fmt, 'fractal', 3, 9), 1), frames: 120 },
      ],
      [
        { kind: 'xfade', transition: 'fade', frames: 50 },
        { kind: 'xfade', transition: 'fade', frames: 50 },
        { kind: 'xfade', transition: 'fade', frames: 50 },
      ],
    );
    assertGradualOnce(truth, (await detectShots(file, fmt)).transitions);
  });

  // Over a crossfade of more than about 1.2 s the picture changes within half a second little more
  // than the shots' own motion changes it: the detector's 1 s comparison finds these.
  const slowFades: { picture: 'fractal' | 'cells'; seed: number; frames: number }[] = [
    { picture: 'cells', seed: 2, frames: 30 },
    { picture: 'fractal', seed: 4, frames: 34 },
    { picture: 'fractal', seed: 7, frames: 40 },
    { picture: 'cells', seed: 8, frames: 40 },
  ];
  for (const f of slowFades) {
    it(`a ${f.frames}-frame crossfade from a dark panning ${f.picture} picture into a pale one with one object moving: one gradual boundary`, async () => {
      const file = dir.file('slow-fade.mp4');
      const pale = `color=c=0xb8b0a0:s=${fmt.width}x${fmt.height}:r=${fmt.fps}[bg];${still(fmt, 'cells', 1, f.seed + 9)},scale=60:60[obj];[bg][obj]overlay=x='100+40*sin(n/9)':y='60+20*sin(n/7)'`;
      const truth = await renderFootage(
        file,
        fmt,
        [
          { chain: `${moves.pan(fmt, still(fmt, f.picture, 3, f.seed), 1)},lutyuv=y='val*0.35'`, frames: 90 },
          { chain: pale, frames: 90 },
        ],
        [{ kind: 'xfade', transition: 'fade', frames: f.frames }],
      );
      assertGradualOnce(truth, (await detectShots(file, fmt)).transitions);
    });
  }
});
