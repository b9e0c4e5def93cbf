/**
 * A manifest may name local files only under folders the user allowed (--allow-local); the
 * folders and files given on the command line are allowed. Links cannot lead out of a root.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';

describe('local paths in manifests', () => {
  let dir: TempDir;
  const data = () => dir.file('data');

  before(async () => {
    dir = await tempDir();
    await mkdir(data());
    await mkdir(dir.file('private'));
    const secret = await lavfiVideo(dir.file('private/secret.mp4'), 'testsrc2=s=160x90:r=25', 3);
    await lavfiVideo(dir.file('private/other.mp4'), 'testsrc2=s=160x90:r=25', 3);
    await lavfiVideo(path.join(data(), 'mine.mp4'), 'testsrc2=s=160x90:r=25', 3);
    await symlink(secret, path.join(data(), 'link.mp4'));
    await writeFile(
      path.join(data(), 'manifest.csv'),
      ['url,title', `${secret},absolute`, '../private/other.mp4,relative', 'link.mp4,link out of the folder', 'mine.mp4,inside'].join('\n') + '\n',
    );
  });
  after(() => dir?.remove());

  const byTitle = async (out: string) => new Map((await readRecords(out)).map((r) => [r.metadata.title as string, r]));

  it('refuses every local path of a manifest without --allow-local', async () => {
    const out = dir.file('out-none');
    const res = await runCli(['run', path.join(data(), 'manifest.csv'), '--out', out, '--min-clip', '1']);
    assert.equal(res.code, 0, res.stderr);
    const records = await byTitle(out);
    assert.equal(records.size, 4);
    for (const [title, r] of records) {
      assert.equal(r.status, 'refused', `${title}: ${r.status} ${r.error?.message}`);
      assert.equal(r.error?.code, 'refused_local_path');
      assert.equal(r.provenance, undefined, `${title}: nothing was read`);
    }
  });

  it('reads files under --allow-local, but not through a link leading out of it', async () => {
    const out = dir.file('out-allowed');
    const res = await runCli(['run', path.join(data(), 'manifest.csv'), '--out', out, '--min-clip', '1', '--allow-local', data()]);
    assert.equal(res.code, 0, res.stderr);
    const records = await byTitle(out);
    assert.equal(records.get('inside')?.status, 'done', records.get('inside')?.error?.message);
    for (const title of ['absolute', 'relative', 'link out of the folder']) {
      assert.equal(records.get(title)?.error?.code, 'refused_local_path', title);
    }
  });

  it('reads folders and files given on the command line without --allow-local', async () => {
    const out = dir.file('out-args');
    const res = await runCli(['run', dir.file('private'), path.join(data(), 'mine.mp4'), '--out', out, '--min-clip', '1']);
    assert.equal(res.code, 0, res.stderr);
    const records = await readRecords(out);
    assert.equal(records.length, 3);
    for (const r of records) assert.equal(r.status, 'done', `${r.uri}: ${r.error?.message}`);
  });

  it('stops with exit 2 when an --allow-local folder does not exist', async () => {
    const res = await runCli(['run', path.join(data(), 'manifest.csv'), '--out', dir.file('out-typo'), '--allow-local', dir.file('nope')]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--allow-local .*nope: no such file or folder/);
  });
});
