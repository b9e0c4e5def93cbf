import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FatalError } from '../../src/errors.js';
import { checkHwaccel } from '../../src/media/hwaccel.js';

describe('checkHwaccel', () => {
  it('stops a run up front, with a clear message, where CUDA decoding is not available', async (t) => {
    if (existsSync('/dev/nvidiactl')) {
      t.skip('this machine has an NVIDIA GPU');
      return;
    }
    await assert.rejects(checkHwaccel('cuda'), (err) => err instanceof FatalError && /--hwaccel cuda does not work on this machine/.test(err.message));
  });
});
