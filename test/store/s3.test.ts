/**
 * The S3 layer against a real S3-protocol server on loopback (s3rver): URIs, listing across pages,
 * single and multipart uploads, downloads with a size limit, and the atomic publish of a staging
 * folder, including a publisher killed with SIGKILL in the middle of a multipart shard upload.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import type { SourceError } from '../../src/errors.js';
import { hashFile } from '../../src/fetch/hash.js';
import { fetchS3Object } from '../../src/fetch/s3.js';
import { downloadObject, headObject, listObjects, ObjectTooLarge, putObject } from '../../src/store/s3.js';
import { S3Output } from '../../src/store/s3-output.js';
import { holdsFile, uploadFile } from '../../src/store/s3-upload.js';
import { canonicalS3Uri, parseS3Uri, s3Dirname } from '../../src/store/s3-uri.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/s3-publish-child.ts');
const MiB = 1024 * 1024;

describe('s3:// URIs', () => {
  it('parse, resolve dot segments and relative references', () => {
    assert.deepEqual(parseS3Uri('s3://my-bucket/a/b.mp4'), { bucket: 'my-bucket', key: 'a/b.mp4' });
    assert.deepEqual(parseS3Uri('s3://my-bucket'), { bucket: 'my-bucket', key: '' });
    assert.throws(() => parseS3Uri('s3://Bad_Bucket/x'), /invalid S3 bucket name/);
    assert.equal(canonicalS3Uri('s3://bkt/a/./b/../c.mp4'), 's3://bkt/a/c.mp4');
    assert.equal(canonicalS3Uri('../v/x.mp4', 's3://bkt/lists/'), 's3://bkt/v/x.mp4');
    assert.equal(s3Dirname('s3://bkt/lists/m.csv'), 's3://bkt/lists/');
  });
});

describe('the S3 layer on a loopback server', () => {
  let s3: TestS3;
  let dir: TempDir;
  before(async () => {
    s3 = await startS3(['data']);
    dir = await tempDir();
  });
  after(async () => {
    await s3?.stop();
    await dir?.remove();
  });

  it('lists a prefix in key order across pages', async () => {
    const limit = pLimit(8);
    const keys = Array.from({ length: 25 }, (_, i) => `many/k${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((key) => limit(() => putObject({ bucket: 'data', key }, 'x'))));
    const listed: string[] = [];
    for await (const o of listObjects({ bucket: 'data', key: 'many/' }, 10)) listed.push(o.key);
    assert.deepEqual(listed, keys);
  });

  it('uploads small and multipart files whole, and knows when an object holds a file', async () => {
    for (const size of [1000, 11 * MiB + 17]) {
      const file = dir.file(`up-${size}.bin`);
      await writeFile(file, randomBytes(size));
      const loc = { bucket: 'data', key: `up/${size}.bin` };
      await uploadFile(file, loc, { partSize: 5 * MiB });
      const back = dir.file(`back-${size}.bin`);
      const got = await downloadObject(loc, back);
      assert.equal(got.bytes, size);
      assert.equal(got.sha256, (await hashFile(file)).sha256);
      assert.equal((await headObject(loc))?.metadata.sha256, got.sha256);
      const listed = (await collect(listObjects(loc)))[0]!;
      assert.equal(await holdsFile(file, listed, loc), true);
      await writeFile(file, randomBytes(size));
      assert.equal(await holdsFile(file, listed, loc), false, 'other bytes of the same size are told apart');
    }
  });

  it('refuses to download an object over the size limit and leaves no file', async () => {
    await putObject({ bucket: 'data', key: 'big.bin' }, randomBytes(4096));
    const dest = dir.file('big.bin');
    await assert.rejects(downloadObject({ bucket: 'data', key: 'big.bin' }, dest, { maxBytes: 1000 }), ObjectTooLarge);
    await assert.rejects(readFile(dest));
    assert.deepEqual((await readdir(path.dirname(dest))).filter((n) => n.startsWith('big.bin')), [], 'no part file is left');
  });

  it('downloads one object to one place twice at once: both succeed and the file is the whole object', async () => {
    const body = randomBytes(3 * MiB);
    await putObject({ bucket: 'data', key: 'twice.bin' }, body);
    const dest = dir.file('twice.bin');
    const got = await Promise.all([0, 1, 2].map(() => downloadObject({ bucket: 'data', key: 'twice.bin' }, dest)));
    for (const g of got) assert.equal(g.bytes, body.length);
    assert.ok((await readFile(dest)).equals(body));
    assert.deepEqual((await readdir(path.dirname(dest))).filter((n) => n.startsWith('twice.bin')), ['twice.bin']);
  });

  it('fetches an s3:// source with provenance, and fails a missing or too large one with a stable code', async () => {
    const work = dir.file('work');
    await mkdir(work);
    await putObject({ bucket: 'data', key: 'src/v.mp4' }, randomBytes(3000));
    const got = await fetchS3Object('s3://data/src/v.mp4', work, 'id1', 10_000);
    assert.equal(path.basename(got.path), 'id1.mp4');
    assert.equal(got.bytes, 3000);
    assert.equal(got.finalUri, 's3://data/src/v.mp4');
    assert.equal(got.headers.etag, `"${(await headObject({ bucket: 'data', key: 'src/v.mp4' }))?.etag}"`);
    await assert.rejects(fetchS3Object('s3://data/src/v.mp4', work, 'id2', 1000), (err: SourceError) => err.code === 'too_large' && !err.transient);
    await assert.rejects(fetchS3Object('s3://data/src/none.mp4', work, 'id3', 1000), (err: SourceError) => err.code === 'http_not_found');
  });

  it('a publisher killed in the middle of a multipart shard upload leaves no object under the shard name; a rerun completes it', async () => {
    const staging = dir.file('staging');
    const shardRel = 'shards/360p-16x9-d2-5/shard-000000.tar';
    await mkdir(path.join(staging, path.dirname(shardRel)), { recursive: true });
    await writeFile(path.join(staging, shardRel), randomBytes(24 * MiB));
    await writeFile(path.join(staging, 'index.parquet'), 'index placeholder');
    const uri = 's3://data/ds';
    const shardKey = { bucket: 'data', key: `ds/${shardRel}` };

    const killed = await runPublisher(staging, uri, true);
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(await headObject(shardKey), undefined, 'no object under the final shard name');
    assert.equal(await headObject({ bucket: 'data', key: 'ds/index.parquet' }), undefined, 'the index goes up after the shards');
    assert.deepEqual((await collect(listObjects({ bucket: 'data', key: 'ds/' }))).map((o) => o.key), []);

    const rerun = await runPublisher(staging, uri, false);
    assert.equal(rerun.code, 0, rerun.stdout);
    assert.deepEqual(JSON.parse(rerun.stdout.trim().split('\n').at(-1)!), { uploaded: 2, deleted: 0 });
    const back = dir.file('shard-back.tar');
    const got = await downloadObject(shardKey, back);
    assert.equal(got.sha256, (await hashFile(path.join(staging, shardRel))).sha256);

    // Published again with nothing changed, nothing moves; a shard pack no longer writes is removed.
    const again = new S3Output(uri, staging);
    assert.deepEqual(await again.publishDataset(), { uploaded: 0, deleted: 0 });
    await rm(path.join(staging, shardRel));
    assert.deepEqual(await again.publishDataset(), { uploaded: 0, deleted: 1 });
    assert.equal(await headObject(shardKey), undefined);
  });

  it('a rerun on a new machine pulls records and clips, never shards', async () => {
    const staging = dir.file('staging-2');
    await mkdir(path.join(staging, 'sources'), { recursive: true });
    await mkdir(path.join(staging, 'clips', 'abc'), { recursive: true });
    await mkdir(path.join(staging, 'shards', 'b'), { recursive: true });
    await writeFile(path.join(staging, 'sources', 'abc.json'), '{"id":"abc"}\n');
    await writeFile(path.join(staging, 'clips', 'abc', 'c0.mp4'), 'clip');
    await writeFile(path.join(staging, 'shards', 'b', 'shard-000000.tar'), 'shard');
    const out = new S3Output('s3://data/ds2', staging);
    await out.publishDataset();
    const fresh = new S3Output('s3://data/ds2', dir.file('staging-fresh'));
    assert.equal(await fresh.pull(), 2);
    assert.equal(await readFile(dir.file('staging-fresh/sources/abc.json'), 'utf8'), '{"id":"abc"}\n');
    assert.equal(await readFile(dir.file('staging-fresh/clips/abc/c0.mp4'), 'utf8'), 'clip');
    await assert.rejects(readFile(dir.file('staging-fresh/shards/b/shard-000000.tar')));
    assert.equal(await fresh.pull(), 0, 'nothing is fetched twice');
  });

  function runPublisher(staging: string, uri: string, pause: boolean): Promise<{ code: number | null; signal: string | null; stdout: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, s3.endpoint, staging, uri, ...(pause ? ['pause'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      // Killed while its multipart upload has parts on the server and is not complete.
      if (pause && stdout.includes('part\n')) child.kill('SIGKILL');
    });
    return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
  }
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
