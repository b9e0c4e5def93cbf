/**
 * clipmill does not trust its own output folder: records edited to point outside their clip
 * folder are neither packed nor deleted through, a folder clipmill did not make is not taken
 * over without --force, and two local runs never share one output.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { markPending } from '../../src/pack/part-markers.js';
import { recordRelPath } from '../../src/store/record-store.js';
import { runCli } from '../helpers/cli.js';
import { listShards, readRecords, tarMembers } from '../helpers/dataset.js';
import { cutVideo, lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';

const RUN_FLAGS = ['--min-clip', '1'];

describe('records pointing outside their clip folder', () => {
  let dir: TempDir;
  const out = () => dir.file('out');
  let secret: string;

  before(async () => {
    dir = await tempDir();
    await mkdir(dir.file('in'));
    await cutVideo(dir.file('in/v.mp4'), [{ source: 'testsrc2', frames: 50 }, { source: 'mandelbrot', frames: 50 }], '160x90');
    // A video outside the dataset, which an edited record names as its clip.
    secret = await lavfiVideo(dir.file('secret.mp4'), 'smptebars=s=160x90:r=25', 2);
    const first = await runCli(['run', dir.file('in'), '--out', out(), ...RUN_FLAGS]);
    assert.equal(first.code, 0, first.stderr);
    // Clips are checked when their part is committed: a finished source not committed yet (its
    // pending marker, as a killed run leaves it) gets a record edited to name the outside video.
    const [record] = await readRecords(out());
    assert.ok(record!.clips.some((c) => c.status === 'kept'), 'the run kept clips to point elsewhere');
    const tampered = { ...record!, id: 'f'.repeat(16), clips: record!.clips.map((c) => ({ ...c, file: c.file && path.relative(out(), secret) })) };
    const recordFile = path.join(out(), recordRelPath(tampered.id));
    await mkdir(path.dirname(recordFile), { recursive: true });
    await markPending(out(), tampered.id);
    await writeFile(recordFile, JSON.stringify(tampered));
  });
  after(() => dir?.remove());

  it('pack drops such clips as outside_clip_folder and never reads the file', async () => {
    const rerun = await runCli(['run', dir.file('in'), '--out', out(), ...RUN_FLAGS]);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /outside_clip_folder/);
    const secretSize = (await readFile(secret)).length;
    for (const shard of await listShards(out())) {
      for (const m of await tarMembers(shard)) assert.notEqual(m.size, secretSize, `${m.name} looks like the outside file`);
    }
  });

  it('takedown deletes nothing outside the output', async () => {
    const res = await runCli(['takedown', out(), '--source', 'f'.repeat(16), '--reason', 'test']);
    assert.equal(res.code, 0, res.stderr);
    assert.ok((await readFile(secret)).length > 0, 'the outside file is still there');
  });
});

describe('an --out folder clipmill did not make', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
    await lavfiVideo(dir.file('v.mp4'), 'testsrc2=s=160x90:r=25', 2);
    await mkdir(dir.file('theirs/shards'), { recursive: true });
    await writeFile(dir.file('theirs/stats.json'), '{"mine": true}\n');
    await writeFile(dir.file('theirs/shards/backup.tar'), 'precious');
  });
  after(() => dir?.remove());

  it('is refused with exit 2 and left untouched; --force takes it over', async () => {
    const res = await runCli(['run', dir.file('v.mp4'), '--out', dir.file('theirs'), ...RUN_FLAGS]);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /not empty and was not made by clipmill.*--force/);
    assert.equal(await readFile(dir.file('theirs/stats.json'), 'utf8'), '{"mine": true}\n');
    assert.equal(await readFile(dir.file('theirs/shards/backup.tar'), 'utf8'), 'precious');
    assert.deepEqual((await readdir(dir.file('theirs'))).sort(), ['shards', 'stats.json']);

    const forced = await runCli(['run', dir.file('v.mp4'), '--out', dir.file('theirs'), '--force', ...RUN_FLAGS]);
    assert.equal(forced.code, 0, forced.stderr);
    const again = await runCli(['run', dir.file('v.mp4'), '--out', dir.file('theirs'), ...RUN_FLAGS]);
    assert.equal(again.code, 0, 'once marked, the folder is clipmill\'s: no --force needed');
  });
});

describe('the run lock of an output folder', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
    await lavfiVideo(dir.file('v.mp4'), 'testsrc2=s=160x90:r=25', 2);
  });
  after(() => dir?.remove());

  const lockWith = async (out: string, pid: number) => {
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, '.clipmill-output'), '');
    await writeFile(path.join(out, '.clipmill-lock'), JSON.stringify({ pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
  };

  it('refuses a second run while the first one lives, with exit 2 naming it', async () => {
    const out = dir.file('busy');
    await lockWith(out, process.pid); // this test process: alive
    const res = await runCli(['run', dir.file('v.mp4'), '--out', out, ...RUN_FLAGS]);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, new RegExp(`Another clipmill run \\(process ${process.pid}`));
    assert.deepEqual(await readdir(path.join(out, 'sources')).catch(() => []), [], 'nothing was processed');
  });

  it('takes over the lock of a run that died, and releases its own at the end', async () => {
    const out = dir.file('stale');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    await lockWith(out, dead.pid!);
    const res = await runCli(['run', dir.file('v.mp4'), '--out', out, ...RUN_FLAGS]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await readRecords(out)).length, 1);
    assert.ok(!(await readdir(out)).includes('.clipmill-lock'), 'the lock is gone after the run');
  });
});
