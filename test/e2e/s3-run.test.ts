/**
 * A whole run in object storage: `clipmill run` reads its manifest (with relative and s3:// rows)
 * and a prefix of videos from a loopback S3-protocol server (s3rver) and writes its dataset there;
 * the index fetched back is read by DuckDB, every shard it names is in the bucket, and a rerun from
 * a fresh staging folder skips every source from the records in the bucket. A run SIGKILLed after
 * its first source resumes from the bucket alone and ends with the clips of the uninterrupted run.
 * Queued runs read s3:// inputs too: their workers fetch the objects.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sourceId } from '../../src/sources/ids.js';
import { downloadObject, headObject, listObjects, putObject } from '../../src/store/s3.js';
import { recordRelPath } from '../../src/store/record-store.js';
import { uploadFile } from '../../src/store/s3-upload.js';
import type { SourceRecord } from '../../src/types.js';
import { runCli, startCli } from '../helpers/cli.js';
import { queryIndex, readRecords } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startRedis } from '../helpers/redis.js';
import { S3_ENV, startS3, type TestS3 } from '../helpers/s3.js';

describe('clipmill run with inputs and output in S3', () => {
  let s3: TestS3;
  let dir: TempDir;
  const OUT = 's3://datasets/runs/first';
  const ids = {
    a: sourceId('s3://inputs/videos/a.mp4'),
    b: sourceId('s3://inputs/videos/sub/b.mp4'),
    c: sourceId('s3://inputs/more/c.mp4'),
    missing: sourceId('s3://inputs/videos/missing.mp4'),
  };

  before(async () => {
    s3 = await startS3(['inputs', 'datasets']);
    dir = await tempDir();
    const videos: Record<string, { source: string; frames: number }[]> = {
      'videos/a.mp4': [{ source: 'testsrc2', frames: 75 }, { source: 'mandelbrot', frames: 60 }],
      'videos/sub/b.mp4': [{ source: 'mandelbrot=start_scale=1', frames: 75 }],
      'more/c.mp4': [{ source: 'smptebars', frames: 60 }],
    };
    for (const [key, shots] of Object.entries(videos)) {
      const file = dir.file(key.replace(/\//g, '_'));
      await cutVideo(file, shots);
      await uploadFile(file, { bucket: 'inputs', key });
    }
    await putObject({ bucket: 'inputs', key: 'videos/notes.txt' }, 'not a video, not listed as one');
    // Relative rows resolve against the manifest's folder; a row repeating a prefix video is one source.
    const manifest = ['url,title', '../more/c.mp4,relative', 's3://inputs/videos/missing.mp4,absent', 's3://inputs/videos/a.mp4,also in the prefix'];
    await putObject({ bucket: 'inputs', key: 'lists/m.csv' }, manifest.join('\n') + '\n');
  });
  after(async () => {
    await s3?.stop();
    await dir?.remove();
  });

  const args = (staging: string, out = OUT, workers = 2) =>
    ['run', 's3://inputs/lists/m.csv', 's3://inputs/videos/', '--out', out, '--staging', staging, '--s3-endpoint', s3.endpoint, '--workers', String(workers), '--min-clip', '1'];
  const run = (staging: string) => runCli(args(staging), S3_ENV);

  async function fetchBack(rel: string): Promise<string> {
    const local = dir.file(`back/${rel}`);
    await mkdir(path.dirname(local), { recursive: true });
    await downloadObject({ bucket: 'datasets', key: `runs/first/${rel}` }, local);
    return local;
  }

  /** Downloads the index (its final parts) of the dataset under `prefix` into `local`, for DuckDB. */
  async function fetchIndex(prefix: string, local: string): Promise<void> {
    let parts = 0;
    for await (const o of listObjects({ bucket: 'datasets', key: `${prefix}index/parts/` })) {
      if (!o.key.endsWith('.parquet')) continue;
      const rel = o.key.slice(prefix.length);
      await mkdir(path.dirname(path.join(local, rel)), { recursive: true });
      await downloadObject({ bucket: 'datasets', key: o.key }, path.join(local, rel));
      parts++;
    }
    assert.ok(parts > 0, `the index of ${prefix} has parts in the bucket`);
  }

  it('reads its inputs from and writes its dataset to the bucket', async () => {
    const result = await run(dir.file('staging'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /finished: 3 done, 1 failed/);

    const keys = new Set<string>();
    for await (const o of listObjects({ bucket: 'datasets', key: 'runs/first/' })) keys.add(o.key.slice('runs/first/'.length));
    for (const id of Object.values(ids)) assert.ok(keys.has(recordRelPath(id)), `record of ${id} is in the bucket`);
    assert.ok([...keys].some((k) => /^index\/parts\/[^/]+\.parquet$/.test(k)), 'index parts are in the bucket');
    assert.ok(![...keys].some((k) => k.startsWith('index/pending/')), 'no part is left pending');
    for (const name of ['stats.json', 'ATTRIBUTION.md', '.clipmill-output']) assert.ok(keys.has(name), name);
    assert.ok(![...keys].some((k) => k.startsWith('.work/') || k.endsWith('.tmp')), 'no scratch files are published');

    const record = JSON.parse(await readFile(await fetchBack(recordRelPath(ids.a)), 'utf8')) as SourceRecord;
    const object = await headObject({ bucket: 'inputs', key: 'videos/a.mp4' });
    assert.equal(record.kind, 's3');
    assert.equal(record.provenance?.finalUri, 's3://inputs/videos/a.mp4');
    assert.equal(record.provenance?.bytes, object?.size);
    assert.equal(record.provenance?.headers?.etag, `"${object?.etag}"`);
    const missing = JSON.parse(await readFile(await fetchBack(recordRelPath(ids.missing)), 'utf8')) as SourceRecord;
    assert.equal(missing.status, 'failed');
    assert.equal(missing.error?.code, 'http_not_found');

    await fetchIndex('runs/first/', dir.file('back'));
    const rows = await queryIndex(dir.file('back'), (t) => `SELECT source_id, source_uri, status, file, shard FROM ${t} ORDER BY clip_id`);
    assert.deepEqual(new Set(rows.map((r) => r.source_id)), new Set([ids.a, ids.b, ids.c]));
    assert.deepEqual(new Set(rows.map((r) => r.source_uri)), new Set(['s3://inputs/videos/a.mp4', 's3://inputs/videos/sub/b.mp4', 's3://inputs/more/c.mp4']));
    const kept = rows.filter((r) => r.status === 'kept');
    assert.ok(kept.some((r) => r.source_id === ids.a), 'the moving shots of a.mp4 are kept');
    for (const row of kept) assert.ok(keys.has(String(row.shard)), `shard ${row.shard} is in the bucket`);
    // Clips are stored once, in their shards: the staging copies published as sources finished are gone.
    assert.ok(![...keys].some((k) => k.startsWith('clips/') || k.startsWith('pending/')), 'no clip staging is left in the bucket');
  });

  it('a rerun on a fresh staging folder skips every source from the records in the bucket and keeps the shards', async () => {
    const shardsBefore = new Map<string, string>();
    for await (const o of listObjects({ bucket: 'datasets', key: 'runs/first/shards/' })) shardsBefore.set(o.key, o.etag);
    const result = await run(dir.file('staging-new'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /finished: 0 done, 0 failed, 0 refused, 4 from earlier runs/);
    const shardsAfter = new Map<string, string>();
    for await (const o of listObjects({ bucket: 'datasets', key: 'runs/first/shards/' })) shardsAfter.set(o.key, o.etag);
    assert.deepEqual(shardsAfter, shardsBefore);
  });

  it('a run killed after its first source finished resumes from the bucket on a machine without its staging folder', async () => {
    const out = 's3://datasets/runs/killed';
    const staging = dir.file('staging-killed');
    const first = startCli(args(staging, out, 1), S3_ENV);
    // A source's record is published before its progress line is printed.
    first.child.stderr!.on('data', (b: Buffer) => {
      if (/\bdone\s+[0-9a-f]{16}\b/.test(b.toString())) first.child.kill('SIGKILL');
    });
    assert.equal((await first.done).signal, 'SIGKILL');
    const published: string[] = [];
    for await (const o of listObjects({ bucket: 'datasets', key: 'runs/killed/sources/' })) published.push(o.key);
    assert.ok(published.length >= 1, 'the finished source is in the bucket');

    await rm(staging, { recursive: true, force: true });
    const rerun = await runCli(args(dir.file('staging-elsewhere'), out, 1), S3_ENV);
    assert.equal(rerun.code, 0, rerun.stderr);
    const skipped = Number(/(\d+) from earlier runs/.exec(rerun.stderr)?.[1]);
    assert.ok(skipped >= published.length, rerun.stderr);
    const local = dir.file('back-killed');
    await mkdir(local, { recursive: true });
    await fetchIndex('runs/killed/', local);
    const ids = (dirName: string) => queryIndex(dirName, (t) => `SELECT clip_id, status FROM ${t} ORDER BY clip_id`);
    assert.deepEqual(await ids(local), await ids(dir.file('back')), 'the same clips as the uninterrupted run');
  });

  it('queued: workers given --s3-endpoint fetch the s3:// sources a run --queue lists from the bucket', async () => {
    const redis = await startRedis();
    // Queued runs are signed with the shared secret; the worker writes only below its --out-root.
    const env = { ...S3_ENV, CLIPMILL_QUEUE_SECRET: 's3-queue-test-secret' };
    const worker = startCli(['worker', '--queue', redis.url, '--s3-endpoint', s3.endpoint, '--s3-allow', 'inputs/videos', '--out-root', dir.path], env);
    try {
      const outDir = dir.file('queued');
      const result = await runCli(['run', 's3://inputs/videos/', '--out', outDir, '--queue', redis.url, '--s3-endpoint', s3.endpoint, '--min-clip', '1'], env);
      assert.equal(result.code, 0, result.stderr);
      const records = await readRecords(outDir);
      assert.deepEqual(records.map((r) => [r.uri, r.kind, r.status]).sort(), [
        ['s3://inputs/videos/a.mp4', 's3', 'done'],
        ['s3://inputs/videos/sub/b.mp4', 's3', 'done'],
      ]);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await redis.stop();
    }
  });
});
