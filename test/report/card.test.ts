/** Dataset-card and targets pieces on their own: Hugging Face ids and size buckets, target files. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { hubLicense, sizeCategory } from '../../src/pack/card.js';
import { readTargets, withTargets } from '../../src/report/targets.js';
import { tempDir, type TempDir } from '../helpers/media.js';

describe('dataset card and targets', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir('clipmill-card-');
  });
  after(() => dir.remove());

  it('names licences and sizes as the Hugging Face hub does', () => {
    assert.equal(hubLicense('CC-BY-4.0'), 'cc-by-4.0');
    assert.equal(hubLicense('CC0-1.0'), 'cc0-1.0');
    assert.equal(hubLicense('Apache-2.0'), 'apache-2.0');
    assert.equal(hubLicense('proprietary'), 'other');
    assert.equal(hubLicense('unknown'), 'unknown');
    assert.equal(sizeCategory(0), 'n<1K');
    assert.equal(sizeCategory(999), 'n<1K');
    assert.equal(sizeCategory(1000), '1K<n<10K');
    assert.equal(sizeCategory(2_500_000), '1M<n<10M');
  });

  it('reads targets as weights normalised to shares, and refuses bad files', async () => {
    await writeFile(dir.file('ok.json'), JSON.stringify({ driving: 3, cooking: 1 }));
    assert.deepEqual(await readTargets(dir.file('ok.json')), { driving: 0.75, cooking: 0.25 });
    for (const bad of ['[1, 2]', '{"a": -1}', '{"a": "x"}', '{"a": 0}', '{}', 'not json']) {
      await writeFile(dir.file('bad.json'), bad);
      await assert.rejects(readTargets(dir.file('bad.json')), /targets|weight/, bad);
    }
  });

  it('sets each category\'s share of kept hours beside its target, targeted ones without clips included', () => {
    const rows = withTargets([{ key: 'driving', sources: 2, keptClips: 4, keptHours: 3 }, { key: 'misc', sources: 1, keptClips: 1, keptHours: 1 }], { driving: 0.75, cooking: 0.25 });
    assert.deepEqual(rows.map((r) => [r.key, r.share, r.target]), [['driving', 0.75, 0.75], ['misc', 0.25, 0], ['cooking', 0, 0.25]]);
  });
});
