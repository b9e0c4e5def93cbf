/**
 * Parts in a local run, through the real command line on videos made by ffmpeg: a finished run
 * leaves no staged clip and no marker, only committed parts; cutting the run into one part per
 * source gives the same samples and rows as one part for all; a run stopped by SIGTERM commits
 * what it finished before it exits, and one killed by SIGKILL leaves it to the next run's sweep;
 * either way the rerun ends with every source once.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listParts, readManifest } from '../../src/pack/index-parts.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { checkParts, type PartsView } from '../helpers/parts.js';

const VIDEOS = 5;
const SHOTS = ['testsrc2', 'mandelbrot', 'life=ratio=0.5:mold=10:seed=3', 'smptebars', 'cellauto=rule=110:seed=2'];

describe('parts of a local run', () => {
  let dir: TempDir;
  let whole: PartsView;
  const run = (out: string, extra: string[] = []) => ['run', dir.file('in'), '--out', dir.file(out), '--workers', '1', '--min-clip', '1', ...extra];

  before(async () => {
    dir = await tempDir('clipmill-parts-');
    await mkdir(dir.file('in'));
    await Promise.all(Array.from({ length: VIDEOS }, (_, i) => cutVideo(dir.file(`in/v${i}.mp4`),
      [0, 1].map((k) => ({ source: SHOTS[(i + k) % SHOTS.length]!, frames: 50 + 7 * ((i + k) % 4) })), '320x180')));
  });
  after(() => dir?.remove());

  it('a finished run leaves committed parts only: no staged clip, no marker, no journal', async () => {
    expectExit(await runCli(run('whole')), 0);
    whole = await checkParts(dir.file('whole'), ['final']);
    assert.equal(whole.sources.length, VIDEOS);
    assert.ok(whole.members.some((m) => m.includes('.mp4 ')), 'clips were packed');
    assert.deepEqual(await listParts(dir.file('whole'), 'pending'), [], 'every part was reduced');
  });

  it('one part per source (a shard size of one byte) gives the same samples and rows', async () => {
    expectExit(await runCli(run('small', ['--shard-size', '1'])), 0);
    const withKeptClips = new Set(whole.rows.filter((r) => r.includes(' kept ')).map((r) => r.split('-')[0]));
    assert.ok((await listParts(dir.file('small'), 'final')).length >= withKeptClips.size, 'a part per source with kept clips');
    assert.deepEqual(await checkParts(dir.file('small'), ['final']), whole);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`a run stopped by ${signal} after its first source, then run again, gives the same dataset`, async () => {
      const out = dir.file(`stopped-${signal}`);
      const stopped = startCli(run(`stopped-${signal}`));
      await until(async () => (await recordIds(out)).length > 0);
      stopped.child.kill(signal);
      const result = await stopped.done;
      const recorded = await recordIds(out);
      assert.ok(recorded.length < VIDEOS, `stopped mid-run (${recorded.length} records)`);
      if (signal === 'SIGTERM') {
        assert.equal(result.code, 130, result.stderr);
        const committed = new Set<string>();
        for (const id of await listParts(out, 'pending')) for (const s of (await readManifest(out, id, 'pending'))!.sources) committed.add(s);
        assert.deepEqual([...committed].sort(), recorded, 'what finished was committed before the run exited');
        assert.deepEqual(await readdir(path.join(out, 'pending')), [], 'no finished source left marked');
      } else assert.equal(result.signal, 'SIGKILL');

      expectExit(await runCli(run(`stopped-${signal}`)), 0);
      assert.deepEqual(await checkParts(out, ['final']), whole);
    });
  }
});

function expectExit(result: CliResult, code: number): CliResult {
  assert.equal(result.code, code, `exit ${result.code} (${result.signal ?? 'no signal'}), stderr:\n${result.stderr}`);
  return result;
}

async function recordIds(out: string): Promise<string[]> {
  const names = await readdir(path.join(out, 'sources'), { recursive: true }).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).map((n) => path.basename(n, '.json')).sort();
}

/** Polls `check` until it holds; fails (instead of hanging) after a generous `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
