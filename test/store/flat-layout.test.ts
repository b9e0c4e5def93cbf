/**
 * An output written by a version that kept every record flat in `sources/<id>.json`: a new run
 * into it reads those records, skips the sources they finished, writes the new sources' records
 * into shard folders, and packs old and new together.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordRelPath } from '../../src/store/record-store.js';
import { runCli } from '../helpers/cli.js';
import { readRecords, recordFiles } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';

/** Moves every record of a sharded output to the flat layout of earlier versions. */
async function flatten(out: string): Promise<void> {
  for (const file of await recordFiles(out)) await rename(file, path.join(out, 'sources', path.basename(file)));
  for (const shard of await readdir(path.join(out, 'sources'))) if (!shard.endsWith('.json')) await rmdir(path.join(out, 'sources', shard));
}

describe('an output in the old flat record layout', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir('clipmill-flat-');
    await mkdir(dir.file('in'));
    await cutVideo(dir.file('in/a.mp4'), [{ source: 'testsrc2', frames: 50 }, { source: 'mandelbrot', frames: 50 }], '160x90');
    await cutVideo(dir.file('in/b.mp4'), [{ source: 'smptebars', frames: 50 }], '160x90');
  });
  after(() => dir?.remove());

  it('is resumed: flat records are kept and skipped, new records go to shard folders', { timeout: 600_000 }, async () => {
    const out = dir.file('out');
    const args = ['run', dir.file('in'), '--out', out, '--workers', '1', '--min-clip', '1'];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    await flatten(out);
    const old = await readRecords(out);
    assert.equal(old.length, 2);
    assert.deepEqual((await readdir(path.join(out, 'sources'))).sort(), old.map((r) => `${r.id}.json`).sort(), 'flat, as an older version left it');

    await cutVideo(dir.file('in/c.mp4'), [{ source: 'testsrc', frames: 50 }], '160x90');
    const again = await runCli(args);
    assert.equal(again.code, 0, again.stderr);
    const records = await readRecords(out);
    assert.equal(records.length, 3);
    for (const r of old) {
      assert.equal(records.find((x) => x.id === r.id)?.finishedAt, r.finishedAt, `${r.id} was not redone`);
      assert.ok((await readdir(path.join(out, 'sources'))).includes(`${r.id}.json`), `${r.id} stays flat`);
    }
    const added = records.find((r) => !old.some((o) => o.id === r.id))!;
    assert.ok((await recordFiles(out)).includes(path.join(out, recordRelPath(added.id))), 'the new source is in its shard folder');

    const status = await runCli(['status', out, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { sources: { done: number } }).sources.done, 3);
  });
});
