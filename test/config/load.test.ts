import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/schema.js';
import { FatalError } from '../../src/errors.js';
import { tempDir, type TempDir } from '../helpers/media.js';

describe('loadConfig', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('gives the defaults without a file or flags', async () => {
    assert.deepEqual(await loadConfig(undefined, {}), defaultConfig());
  });

  it('merges a config file section by section, and flags win over it', async () => {
    const file = dir.file('clipmill.json');
    await writeFile(file, JSON.stringify({ workers: 4, segment: { maxClipSec: 6 }, extract: { crf: 30, codec: 'vp9' } }));
    const cfg = await loadConfig(file, { workers: undefined, extract: { crf: 18 } });
    assert.equal(cfg.workers, 4, 'an absent flag leaves the file value');
    assert.equal(cfg.segment.maxClipSec, 6);
    assert.equal(cfg.segment.minClipSec, defaultConfig().segment.minClipSec, 'other fields of a section keep their defaults');
    assert.equal(cfg.extract.crf, 18, 'a flag wins');
    assert.equal(cfg.extract.codec, 'vp9');
  });

  it('names the field and the problem of an invalid value, and of an unreadable file', async () => {
    await assert.rejects(loadConfig(undefined, { extract: { codec: 'mpeg2' } }), (err) => err instanceof FatalError && /extract\.codec/.test(err.message));
    await assert.rejects(loadConfig(undefined, { segment: { minClipSec: 5, maxClipSec: 2 } }), (err) => err instanceof FatalError && /minClipSec/.test(err.message));
    await writeFile(dir.file('typo.json'), JSON.stringify({ segmnt: { minClipSec: 1 } }));
    await assert.rejects(loadConfig(dir.file('typo.json'), {}), (err) => err instanceof FatalError && /segmnt/.test(err.message), 'a misspelt key is not ignored');
    await writeFile(dir.file('broken.json'), '{ "workers": ');
    await assert.rejects(loadConfig(dir.file('broken.json'), {}), (err) => err instanceof FatalError && /not valid JSON/.test(err.message));
    await assert.rejects(loadConfig(dir.file('missing.json'), {}), (err) => err instanceof FatalError && /Cannot read the config file/.test(err.message));
  });
});
