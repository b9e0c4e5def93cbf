/**
 * What a signed run cannot set on a worker: programs, files and secrets stay the worker's own
 * (yt-dlp, opt-out lists, the embedding model, the variable holding the caption API key).
 */
import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { RunConfig } from '../../src/config/schema.js';
import { signRun, signValue, trustedRun, verifySignature, type WorkerSettings } from '../../src/executors/job-trust.js';
import { tempDir, type TempDir } from '../helpers/media.js';

const SECRET = 'worker-settings-test-secret';

describe('a signed run on a worker', () => {
  let dir: TempDir;
  let settings: WorkerSettings;
  before(async () => {
    dir = await tempDir();
    settings = { outRoot: await realpath(dir.path), ytDlpPath: 'yt-dlp', optOutList: ['/srv/optout.txt'], embedModel: '/srv/encoder.onnx', secret: SECRET };
  });
  after(() => dir.remove());

  it('keeps the worker\'s own yt-dlp, opt-out lists, embedding model and API-key variable', async () => {
    const cfg = RunConfig.parse({
      fetch: { ytDlpPath: '/tmp/evil' },
      policy: { optOutList: [] },
      embed: { model: '/etc/shadow' },
      caption: { endpoint: 'https://elsewhere.example/v1', apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' },
    });
    const outDir = dir.file('run');
    const cfgJson = JSON.stringify(cfg);
    const trusted = await trustedRun('r1', { outDir, cfg: cfgJson, sig: signRun('r1', outDir, cfgJson, SECRET) }, settings);
    assert.equal(trusted.cfg.fetch.ytDlpPath, 'yt-dlp');
    assert.deepEqual(trusted.cfg.policy.optOutList, ['/srv/optout.txt']);
    assert.equal(trusted.cfg.embed.model, '/srv/encoder.onnx');
    assert.equal(trusted.cfg.caption.apiKeyEnv, 'CLIPMILL_CAPTION_API_KEY');
  });

  it('signatures of recheck jobs and answers hold only for the same value and secret', () => {
    const value = ['job-1', { outcome: 'gone', reason: 'HTTP 410' }];
    const sig = signValue(value, SECRET);
    assert.ok(verifySignature(value, sig, SECRET));
    assert.ok(!verifySignature(['job-1', { outcome: 'present', reason: 'HTTP 200' }], sig, SECRET));
    assert.ok(!verifySignature(value, sig, 'another-secret-of-16+'));
    assert.ok(!verifySignature(value, undefined, SECRET));
  });
});
