/**
 * A queued run in object storage, with real processes: `clipmill run --queue --out s3://` reads its
 * manifest and videos from a loopback S3-protocol server (s3rver), two `clipmill worker` processes
 * (real Redis) stage their sources and publish them to the run's prefix, and the coordinator pulls
 * what they published, reduces and publishes the dataset. Each worker talks to S3 through a TCP
 * relay that holds the first multipart part upload it sees: the worker making it is SIGKILLed
 * right there, no partial object is visible under that name, and the other worker redoes the
 * source. The dataset fetched back is read by DuckDB and has the clip ids of a local run; the
 * workers wrote nothing outside the run's prefix, and --s3-allow refused a bucket it does not list.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { sourceId } from '../../src/sources/ids.js';
import { recordRelPath } from '../../src/store/record-store.js';
import { downloadObject, headObject, listObjects, putObject } from '../../src/store/s3.js';
import { uploadFile } from '../../src/store/s3-upload.js';
import type { SourceRecord } from '../../src/types.js';
import { runCli, startCli } from '../helpers/cli.js';
import { cutVideo, ffmpeg, tempDir, type TempDir } from '../helpers/media.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { S3_ENV, startS3, type TestS3 } from '../helpers/s3.js';

/** The index files of a dataset, by relative key (the flat layout's single file; parts in layout v2). */
const isIndexFile = (rel: string): boolean => /^index\/parts\/[^/]+\.parquet$/.test(rel);

const SECRET_ENV = { ...S3_ENV, CLIPMILL_QUEUE_SECRET: 's3-queued-run-test-secret' };
/** 5 MiB parts, S3's smallest: the noise video's clip (about 15 MB) goes up as a multipart upload. */
const PART_ENV = { CLIPMILL_S3_PART_BYTES: String(5 * 1024 * 1024) };

interface Trip {
  relay: number;
  key: string;
}

/**
 * A TCP relay to the S3 server that forwards everything until the first UploadPart request into
 * the `datasets` bucket seen by any relay of the group; that connection is then held, unanswered.
 */
function relayGroup(port: number): { start(index: number): Promise<number>; tripped: Promise<Trip>; close(): void } {
  let trip: ((t: Trip) => void) | undefined;
  const tripped = new Promise<Trip>((resolve) => (trip = resolve));
  const servers: net.Server[] = [];
  return {
    tripped,
    async start(index) {
      const server = net.createServer((client) => {
        const upstream = net.connect(port, '127.0.0.1');
        let held = false;
        client.on('data', (chunk: Buffer) => {
          const part = trip && /^PUT \/datasets\/(\S*)\?\S*uploadId=/m.exec(chunk.toString('latin1'));
          if (part) {
            held = true;
            client.pause();
            trip!({ relay: index, key: decodeURIComponent(part[1]!) });
            trip = undefined;
          }
          if (!held) upstream.write(chunk);
        });
        upstream.pipe(client);
        for (const s of [client, upstream]) s.on('error', () => { client.destroy(); upstream.destroy(); });
        client.on('close', () => upstream.destroy());
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as net.AddressInfo).port;
    },
    close() {
      for (const s of servers) s.close();
    },
  };
}

async function keysUnder(bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of listObjects({ bucket, key: prefix })) keys.push(o.key);
  return keys.sort();
}

describe('clipmill run --queue --out s3:// with two workers', () => {
  let s3: TestS3;
  let redis: TestRedis;
  let dir: TempDir;
  const OUT = 's3://datasets/runs/q';
  const ids = {
    a: sourceId('s3://inputs/videos/a.mp4'),
    b: sourceId('s3://inputs/videos/b.mp4'),
    c: sourceId('s3://inputs/videos/c.mp4'),
    noise: sourceId('s3://inputs/big/noise.mp4'),
    secret: sourceId('s3://private/secret.mp4'),
  };
  const inputs = ['s3://inputs/lists/m.csv', 's3://inputs/videos/'];
  const runFlags = (staging: string) => ['--staging', staging, '--s3-endpoint', s3.endpoint, '--stream-copy', '--min-clip', '1'];

  before(async () => {
    s3 = await startS3(['inputs', 'datasets', 'private']);
    redis = await startRedis();
    dir = await tempDir();
    const videos: Record<string, { source: string; frames: number }[]> = {
      'inputs/videos/a.mp4': [{ source: 'testsrc2', frames: 75 }, { source: 'mandelbrot', frames: 60 }],
      'inputs/videos/b.mp4': [{ source: 'mandelbrot=start_scale=1', frames: 75 }],
      'inputs/videos/c.mp4': [{ source: 'smptebars', frames: 60 }],
      'private/secret.mp4': [{ source: 'testsrc2', frames: 60 }],
    };
    for (const [where, shots] of Object.entries(videos)) {
      const file = dir.file(where.replace(/\//g, '_'));
      await cutVideo(file, shots);
      const [bucket, ...key] = where.split('/');
      await uploadFile(file, { bucket: bucket!, key: key.join('/') });
    }
    // Lossless noise: one moving shot whose stream-copied clip is larger than three 5 MiB parts.
    const noise = dir.file('noise.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=480x270:r=25,noise=alls=60:allf=t+u', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', noise]);
    await uploadFile(noise, { bucket: 'inputs', key: 'big/noise.mp4' });
    const manifest = ['url', 's3://inputs/videos/a.mp4', '../big/noise.mp4', 's3://private/secret.mp4'];
    await putObject({ bucket: 'inputs', key: 'lists/m.csv' }, manifest.join('\n') + '\n');
  });
  after(async () => {
    await redis?.stop();
    await s3?.stop();
    await dir?.remove();
  });

  async function fetchBack(prefix: string, rel: string): Promise<string> {
    const local = dir.file(`back/${prefix}/${rel}`);
    await mkdir(path.dirname(local), { recursive: true });
    await downloadObject({ bucket: 'datasets', key: `${prefix}/${rel}` }, local);
    return local;
  }

  /** The dataset's index rows, read by DuckDB from the index files fetched back from the bucket. */
  async function indexRows(prefix: string): Promise<Record<string, unknown>[]> {
    const rels = (await keysUnder('datasets', `${prefix}/`)).map((k) => k.slice(prefix.length + 1)).filter(isIndexFile);
    assert.ok(rels.length > 0, `index files under ${prefix}`);
    const files = await Promise.all(rels.map((rel) => fetchBack(prefix, rel)));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
      const reader = await conn.runAndReadAll(`SELECT clip_id, source_id, status, file, shard FROM read_parquet([${list}]) ORDER BY clip_id`);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      conn.closeSync();
    }
  }

  it('reads from and writes to the bucket; a worker killed mid-upload leaves no partial object, the other finishes its source', async () => {
    const relays = relayGroup(Number(new URL(s3.endpoint).port));
    const workers: { child: ChildProcess; done: Promise<unknown> }[] = [];
    try {
      for (const n of [1, 2]) {
        const root = dir.file(`worker${n}`);
        await mkdir(root, { recursive: true });
        const endpoint = `http://127.0.0.1:${await relays.start(n)}`;
        workers.push(startCli([
          'worker', '--queue', redis.url, '--s3-endpoint', endpoint, '--out-root', root, '--concurrency', '1', '--lock-sec', '5',
          '--s3-allow', 'inputs', '--s3-allow', 'datasets/runs/q',
        ], { ...SECRET_ENV, ...PART_ENV }));
      }
      const coordinator = startCli(['run', ...inputs, '--out', OUT, '--queue', redis.url, ...runFlags(dir.file('coordinator'))], SECRET_ENV);

      const trip = await relays.tripped;
      assert.ok(trip.key.startsWith(`runs/q/clips/${ids.noise}/`), `the multipart upload is the noise clip (${trip.key})`);
      const killed = workers[trip.relay - 1]!;
      killed.child.kill('SIGKILL');
      await killed.done;
      assert.equal(await headObject({ bucket: 'datasets', key: trip.key }), undefined, 'no object under the name of the killed upload');
      assert.ok(!(await keysUnder('datasets', 'runs/q/')).includes(trip.key));
      assert.equal(await headObject({ bucket: 'datasets', key: `runs/q/${recordRelPath(ids.noise)}` }), undefined, 'its record is not published before its clip');

      const result = await coordinator.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /finished: 4 done, 0 failed, 1 refused/);

      const keys = new Set((await keysUnder('datasets', 'runs/q/')).map((k) => k.slice('runs/q/'.length)));
      // Clips are stored once, in their shards: the staging copies workers published are gone.
      assert.ok(![...keys].some((k) => k.startsWith('clips/') || k.startsWith('pending/')), 'no clip staging is left in the bucket');
      for (const id of Object.values(ids)) assert.ok(keys.has(recordRelPath(id)), `record of ${id} is in the bucket`);
      for (const name of ['stats.json', 'ATTRIBUTION.md', '.clipmill-output']) assert.ok(keys.has(name), name);
      const secret = JSON.parse(await readFile(await fetchBack('runs/q', recordRelPath(ids.secret)), 'utf8')) as SourceRecord;
      assert.equal(secret.status, 'refused');
      assert.equal(secret.error?.code, 'refused_s3_location', 'a worker reads no bucket outside --s3-allow');

      const rows = await indexRows('runs/q');
      assert.deepEqual(new Set(rows.map((r) => r.source_id)), new Set([ids.a, ids.b, ids.c, ids.noise]));
      for (const row of rows.filter((r) => r.status === 'kept')) assert.ok(keys.has(String(row.shard)), `shard ${row.shard} is in the bucket`);
      assert.ok(rows.some((r) => r.source_id === ids.noise && r.status === 'kept'), 'the redone source is in the dataset');
      assert.equal(new Set(rows.map((r) => r.clip_id)).size, rows.length, 'every clip once');

      // Nothing outside the run's prefix: the other buckets hold what the test put there.
      assert.deepEqual(await keysUnder('datasets'), [...keys].map((k) => `runs/q/${k}`).sort());
      assert.deepEqual(await keysUnder('private'), ['secret.mp4']);
      assert.deepEqual(await keysUnder('inputs'), ['big/noise.mp4', 'lists/m.csv', 'videos/a.mp4', 'videos/b.mp4', 'videos/c.mp4']);

      // The same clips as the same inputs run locally (where nothing limits the buckets read).
      const local = await runCli(['run', ...inputs, '--out', 's3://datasets/runs/local', ...runFlags(dir.file('local'))], S3_ENV);
      assert.equal(local.code, 0, local.stderr);
      const localRows = (await indexRows('runs/local')).filter((r) => r.source_id !== ids.secret);
      assert.deepEqual(rows.map((r) => [r.clip_id, r.status]), localRows.map((r) => [r.clip_id, r.status]));
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.done));
      relays.close();
    }
  });

  it('a signed run whose output is outside the workers\' --s3-allow is refused, and nothing is written there', async () => {
    const root = dir.file('worker3');
    await mkdir(root, { recursive: true });
    const worker = startCli(['worker', '--queue', redis.url, '--s3-endpoint', s3.endpoint, '--out-root', root, '--s3-allow', 'inputs', '--s3-allow', 'datasets/runs/q'], SECRET_ENV);
    try {
      const result = await runCli(['run', 's3://inputs/videos/', '--out', 's3://private/dataset', '--queue', redis.url, ...runFlags(dir.file('forged'))], SECRET_ENV);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /outside this worker's --s3-allow/);
      assert.deepEqual(await keysUnder('private'), ['secret.mp4']);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  });
});
