/**
 * A run whose output disk fills up stops with a clear message, leaves no record for the source it
 * could not finish, and completes after space is freed, with nothing lost. Needs root to mount a
 * small tmpfs; skipped elsewhere.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';

const exec = promisify(execFile);

describe('a full output disk', () => {
  let dir: TempDir;
  let mountPoint: string;
  let mounted = false;
  before(async () => {
    dir = await tempDir();
    mountPoint = dir.file('small-disk');
    await mkdir(mountPoint);
    mounted = await exec('mount', ['-t', 'tmpfs', '-o', 'size=400k', 'tmpfs', mountPoint]).then(() => true, () => false);
    // Large clips: noisy content at high quality, so the first source alone overflows 400 KB.
    for (let i = 0; i < 2; i++) {
      await cutVideo(dir.file(`v${i}.mp4`), [{ source: 'testsrc2', frames: 75 }, { source: 'mandelbrot', frames: 75 }], '640x360');
    }
  });
  after(async () => {
    if (mounted) await exec('umount', [mountPoint]).catch(() => undefined);
    await dir.remove();
  });

  it('stops the run with a clear message and loses nothing once space is freed', async (t) => {
    if (!mounted) {
      t.skip('mounting a tmpfs needs root');
      return;
    }
    const args = ['run', dir.file('v0.mp4'), dir.file('v1.mp4'), '--out', mountPoint, '--workers', '1', '--min-clip', '1', '--crf', '0', '--encoder-preset', 'ultrafast'];
    const full = await runCli(args);
    assert.notEqual(full.code, 0);
    assert.match(full.stderr, /output disk is full/);
    const records = await readRecords(mountPoint).catch(() => []);
    assert.ok(records.every((r) => r.status === 'done'), 'no source is recorded as failed because of the disk');

    await exec('mount', ['-o', 'remount,size=64m', mountPoint]);
    const freed = await runCli(args);
    assert.equal(freed.code, 0, freed.stderr);
    const done = await readRecords(mountPoint);
    assert.equal(done.length, 2);
    assert.ok(done.every((r) => r.status === 'done' && r.clips.some((c) => c.status === 'kept')));
  });
});
