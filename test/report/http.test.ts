/** The dashboard's HTTP pieces on their own: byte ranges, who is served without a token, paths inside the folder. */
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isDefaultLoopback } from '../../src/report/access.js';
import { fileInside } from '../../src/report/files.js';
import { parseRange } from '../../src/report/media-response.js';
import { tempDir, type TempDir } from '../helpers/media.js';

describe('dashboard HTTP pieces', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir('clipmill-http-');
    await mkdir(dir.file('ds/clips'), { recursive: true });
    await writeFile(dir.file('ds/clips/a.mp4'), 'clip');
    await writeFile(dir.file('secret.txt'), 'outside');
    await symlink(dir.file('secret.txt'), dir.file('ds/clips/link.mp4'));
  });
  after(() => dir.remove());

  it('parses single byte ranges as browsers send them', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=500-', 1000), { start: 500, end: 999 });
    assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange('bytes=900-5000', 1000), { start: 900, end: 999 });
    assert.equal(parseRange('bytes=1000-', 1000), null, 'past the end: 416');
    assert.equal(parseRange('bytes=5-2', 1000), null);
    assert.equal(parseRange('bytes=0-1,5-9', 1000), undefined, 'several ranges: the whole file');
  });

  it('serves without a token only on 127.0.0.1, ::1 and localhost', () => {
    for (const host of ['127.0.0.1', '::1', '[::1]', 'localhost']) assert.ok(isDefaultLoopback(host), host);
    for (const host of ['0.0.0.0', '127.0.0.2', '192.168.1.5', '::', 'example.com']) assert.ok(!isDefaultLoopback(host), host);
  });

  it('resolves only files inside the dataset folder, links followed', async () => {
    const root = dir.file('ds');
    assert.ok(await fileInside(root, 'clips/a.mp4'));
    assert.equal(await fileInside(root, '../secret.txt'), undefined);
    assert.equal(await fileInside(root, dir.file('secret.txt')), undefined);
    assert.equal(await fileInside(root, 'clips/link.mp4'), undefined, 'a link out of the folder');
    assert.equal(await fileInside(root, 'clips'), undefined, 'a directory');
    assert.equal(await fileInside(root, 'clips/none.mp4'), undefined);
  });
});
