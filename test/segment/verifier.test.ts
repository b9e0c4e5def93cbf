/**
 * The learned boundary check: the tree model file is read and walked as trained (a hand-made
 * model with a known answer), a model for other features is refused, and in the detector the
 * verifier vetoes boundaries it scores low, never a fade over blank frames, while every boundary
 * the rules found is still reported as a candidate with its features.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FEATURE_NAMES } from '../../src/segment/boundary-features.js';
import { shippedVerifier, TreeVerifier, type BoundaryVerifier } from '../../src/segment/verifier.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { detectShots, moves, renderFootage, still, type Format } from './footage.js';

const fmt: Format = { width: 320, height: 180, fps: 25 };
const never: BoundaryVerifier = { score: () => 0 };

describe('boundary verifier', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('walks the trees of a model file: base log-odds plus the rate times each leaf reached', () => {
    const file = dir.file('model.json');
    const cutFeature = FEATURE_NAMES.indexOf('is_cut');
    // One stump: cuts (is_cut > 0.5) go right to +2, others left to -2.
    const stump = { feature: [cutFeature, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, -2, 2] };
    writeFileSync(file, JSON.stringify({ features: FEATURE_NAMES, base: 0.5, rate: 0.5, trees: [stump, stump] }));
    const v = TreeVerifier.load(file);
    const features = (isCut: number) => FEATURE_NAMES.map((n) => (n === 'is_cut' ? isCut : 0));
    assert.ok(Math.abs(v.score(features(1)) - 1 / (1 + Math.exp(-(0.5 + 2)))) < 1e-12);
    assert.ok(Math.abs(v.score(features(0)) - 1 / (1 + Math.exp(-(0.5 - 2)))) < 1e-12);
  });

  it('refuses a model trained on other features, naming them', () => {
    const file = dir.file('old.json');
    writeFileSync(file, JSON.stringify({ features: ['is_cut', 'old_feature'], base: 0, rate: 1, trees: [] }));
    assert.throws(() => TreeVerifier.load(file), /old_feature/);
  });

  it('a missing or damaged model file is a clear error naming it and the way around it', () => {
    const damaged = dir.file('damaged.json');
    writeFileSync(damaged, '{"features": [');
    for (const file of [damaged, dir.file('absent.json')]) {
      assert.throws(() => TreeVerifier.load(file), (err: Error) => err.message.startsWith(file) && /--rules-only/.test(err.message));
    }
  });

  it('the shipped model loads and scores a feature vector between 0 and 1', () => {
    const s = shippedVerifier().score(FEATURE_NAMES.map(() => 0));
    assert.ok(s > 0 && s < 1, String(s));
  });

  it('vetoes the boundaries it scores low but keeps fades over blank frames; the rules alone keep all', async () => {
    const file = dir.file('mixed.mp4');
    const flat = `color=c=black:s=${fmt.width}x${fmt.height}:r=${fmt.fps}`;
    const truth = await renderFootage(
      file,
      fmt,
      [
        { chain: moves.pan(fmt, still(fmt, 'fractal', 3, 11), 2), frames: 60 },
        { chain: moves.shake(fmt, still(fmt, 'stripes', 3, 12), 3), frames: 60 },
        { chain: flat, frames: 60 },
        { chain: moves.zoom(fmt, still(fmt, 'cells', 3, 13), 0.004), frames: 60 },
      ],
      [{ kind: 'cut' }, { kind: 'xfade', transition: 'fade', frames: 20 }, { kind: 'xfade', transition: 'fade', frames: 20 }],
    );
    assert.deepEqual(truth.cuts, [60]);
    const rules = await detectShots(file, fmt, 1, null);
    assert.ok(rules.transitions.some((t) => t.kind === 'cut' && t.startFrame === 60), JSON.stringify(rules.transitions));
    assert.ok(rules.candidates.every((c) => c.kept && c.score === 1 && c.features.length === FEATURE_NAMES.length), JSON.stringify(rules.candidates));

    const vetoed = await detectShots(file, fmt, 1, never);
    assert.deepEqual(vetoed.candidates.map((c) => c.transition), rules.transitions, 'the same candidates');
    // Only the fades through black stay: the cut is gone.
    assert.ok(!vetoed.transitions.some((t) => t.kind === 'cut'), JSON.stringify(vetoed.transitions));
    assert.ok(vetoed.transitions.length >= 1);
    for (const t of vetoed.transitions) {
      assert.equal(t.kind, 'gradual');
      assert.ok(t.startFrame >= 95 && t.endFrame <= 165, `a fade through the black shot (got ${JSON.stringify(t)})`);
    }
    const blankFrom = vetoed.shots.find((s) => s.startFrame <= 60 && s.endFrame >= 60);
    assert.ok(blankFrom && blankFrom.startFrame === 0, 'without the cut the first two shots are one');
  });
});
