/**
 * A worker's incremental publishing passes (S3Output.publishChanges) on a loopback S3 server: new
 * and changed files go up (records only when named), calls during a pass are covered by the pass
 * after it, a pass deletes only clip staging this process published and no longer has, never
 * another's objects, and shards of a committed part leave the staging folder once they are up.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadObject, listObjects, putObject } from '../../src/store/s3.js';
import { S3Output } from '../../src/store/s3-output.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

describe('incremental publishing of a worker\'s staging folder', () => {
  let s3: TestS3;
  let dir: TempDir;
  before(async () => {
    s3 = await startS3(['out']);
    dir = await tempDir();
  });
  after(async () => {
    await s3?.stop();
    await dir?.remove();
  });

  const keys = async (): Promise<string[]> => {
    const found: string[] = [];
    for await (const o of listObjects({ bucket: 'out', key: 'run/' })) found.push(o.key.slice('run/'.length));
    return found.sort();
  };
  const write = async (staging: string, rel: string, text: string): Promise<void> => {
    await mkdir(path.dirname(path.join(staging, rel)), { recursive: true });
    await writeFile(path.join(staging, rel), text);
  };

  it('publishes what is new or changed, and deletes only what it published and no longer has', async () => {
    const staging = dir.file('w1');
    const out = new S3Output('s3://out/run', staging);
    await write(staging, 'clips/aa/x.mp4', 'clip');
    await write(staging, 'pending/aa', '');
    await write(staging, 'sources/aa.json', '{"id":"aa"}');
    await write(staging, '.work/aa/download.mp4', 'scratch');
    await write(staging, 'sources/zz.json', '{"id":"zz"}');
    // Two calls while nothing runs share one pass, which publishes the records both name.
    const first = out.publishChanges([]);
    assert.equal(out.publishChanges(['sources/aa.json']), first);
    await first;
    assert.deepEqual(await keys(), ['clips/aa/x.mp4', 'pending/aa', 'sources/aa.json'], 'records are published by name, not walked');

    await putObject({ bucket: 'out', key: 'run/sources/bb.json' }, '{"id":"bb"}');
    // The part holding aa is committed: tar and manifest written, its staging removed.
    await write(staging, 'shards/720p/p1-0.tar', 'tar');
    await write(staging, 'index/pending/p1.parquet', 'parquet');
    await write(staging, 'index/pending/p1.json', '{}');
    await rm(path.join(staging, 'clips'), { recursive: true });
    await rm(path.join(staging, 'pending'), { recursive: true });
    await write(staging, 'sources/aa.json', '{"id":"aa","changed":true}');
    await write(staging, 'shards/720p/p9-0.tar', 'a tar of a part not committed yet');
    await out.publishChanges(['sources/aa.json']);
    assert.deepEqual(await keys(), [
      'index/pending/p1.json', 'index/pending/p1.parquet', 'shards/720p/p1-0.tar', 'shards/720p/p9-0.tar', 'sources/aa.json', 'sources/bb.json',
    ]);
    assert.equal(await stat(path.join(staging, 'shards/720p/p1-0.tar')).catch(() => undefined), undefined, 'a committed part\'s shard leaves the staging folder');
    assert.ok(await stat(path.join(staging, 'shards/720p/p9-0.tar')), 'a shard of an uncommitted part stays');
    await out.publishChanges();
    assert.ok((await keys()).includes('shards/720p/p1-0.tar'), 'and stays in the bucket');
    const back = dir.file('aa.json');
    await downloadObject({ bucket: 'out', key: 'run/sources/aa.json' }, back);
    assert.match(await readFile(back, 'utf8'), /changed/, 'a changed record goes up again');
  });
});
