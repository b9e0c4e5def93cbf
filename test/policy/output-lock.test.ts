import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pack } from '../../src/api/pack.js';
import { takedown } from '../../src/policy/takedown.js';
import { LOCK_FILE } from '../../src/store/run-lock.js';
import { buildFixture } from './dataset-fixture.js';

const holdLock = (dir: string, pid: number) =>
  writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: os.hostname(), startedAt: '2024-01-01T00:00:00.000Z' }) + '\n');

test('a takedown and a library pack are refused while another process holds the output; inside this process\'s run they go ahead', async () => {
  const f = await buildFixture();
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
  try {
    await holdLock(f.dir, other.pid!);
    await assert.rejects(takedown(f.dir, [f.sources.a!.id], 'request'), /Another clipmill run \(process \d+/);
    await assert.rejects(pack(f.dir), /Another clipmill run/);
    assert.match(await readFile(path.join(f.dir, 'takedowns.jsonl'), 'utf8').catch(() => ''), /^$/, 'nothing was taken down');

    // This process's own run holds it (the run's pack and takedowns must not wait on themselves).
    await holdLock(f.dir, process.pid);
    const result = await takedown(f.dir, [f.sources.a!.id], 'request');
    assert.deepEqual(result.sources, [f.sources.a!.id]);
    assert.equal(JSON.parse(await readFile(path.join(f.dir, LOCK_FILE), 'utf8')).pid, process.pid, 'the run\'s lock is left to the run');

    // Free: the takedown takes the lock and gives it back.
    await rm(path.join(f.dir, LOCK_FILE));
    await takedown(f.dir, [f.sources.b!.id], 'request');
    await assert.rejects(readFile(path.join(f.dir, LOCK_FILE)), { code: 'ENOENT' });
  } finally {
    other.kill('SIGKILL');
    await rm(f.dir, { recursive: true, force: true });
  }
});
