/**
 * A distributed run end to end: real videos served over loopback HTTP, real worker processes.
 * The same input gives the same clips and shards as a local run; the per-host rate holds across
 * two workers as the server sees it; a worker killed mid-run (SIGKILL) still leaves a complete dataset.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { RunProgress } from '../../src/cli/progress.js';
import { RunConfig } from '../../src/config/schema.js';
import { enqueueRun, followRun, queueStatus, runIdFor } from '../../src/executors/bullmq.js';
import { runDataset } from '../../src/pipeline/run.js';
import type { SourceRecord } from '../../src/types.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startRedis, until, type TestRedis } from '../helpers/redis.js';

const VIDEOS = 6;
const RPS = 4;
const WORKER_ENTRY = path.resolve('test/executors/worker-main.ts');

describe('distributed run (BullMQ workers)', () => {
  let redis: TestRedis;
  let dir: TempDir;
  let server: http.Server;
  let manifest: string;
  const requests: number[] = [];
  const cfg = RunConfig.parse({ segment: { minClipSec: 1, maxClipSec: 4 }, fetch: { perHostRps: RPS, perHostConcurrency: 2 } });
  let local: Dataset;

  before(async () => {
    redis = await startRedis();
    dir = await tempDir('clipmill-dist-');
    const sources = ['testsrc2=d=60', 'mandelbrot=maxiter=64', 'smptebars=d=60', 'cellauto=rule=30', 'life=ratio=0.2', 'rgbtestsrc=d=60'];
    for (let i = 0; i < VIDEOS; i++) {
      const a = sources[i % sources.length]!;
      const b = sources[(i + 1) % sources.length]!;
      await cutVideo(dir.file(`v${i}.mp4`), [{ source: a, frames: 40 + 5 * i }, { source: b, frames: 50 }]);
    }
    server = http.createServer((req, res) => {
      requests.push(Date.now());
      const file = dir.file(path.basename(req.url ?? ''));
      stat(file).then(
        (s) => {
          res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': s.size });
          if (req.method === 'HEAD') res.end();
          else createReadStream(file).pipe(res);
        },
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    manifest = dir.file('list.csv');
    await writeFile(manifest, ['url', ...Array.from({ length: VIDEOS }, (_, i) => `http://127.0.0.1:${port}/v${i}.mp4`)].join('\n') + '\n');

    const outDir = dir.file('local');
    await runDataset({ inputs: [manifest], outDir, cfg, progress: new RunProgress(process.stderr, false) });
    local = await readDataset(outDir);
    assert.ok(local.clipIds.length >= VIDEOS, 'the local run made clips to compare with');
  });
  after(async () => {
    server?.close();
    await redis?.stop();
    await dir?.remove();
  });

  it('two workers give the clips and shards of a local run, with the per-host rate held between them', async () => {
    const outDir = dir.file('two-workers');
    const runId = runIdFor(outDir);
    await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
    requests.length = 0;
    const workers = [startWorker(redis.url), startWorker(redis.url)];
    try {
      const followed = await followRun({ queueUrl: redis.url, runId });
      assert.equal(followed.pack?.sources, VIDEOS);
      assert.ok((await queueStatus(redis.url)).workers.length >= 2, 'both workers were connected');
    } finally {
      await Promise.all(workers.map(stopWorker));
    }
    assert.deepEqual(await readDataset(outDir), local);
    const starts = [...requests].sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    assert.ok(starts.length >= VIDEOS);
    // 250 ms apart by the shared bucket; the slack covers scheduling and the trip to the server.
    assert.ok(Math.min(...gaps) >= 0.6 * (1000 / RPS), `request gaps ${gaps.join(', ')} ms`);
  });

  it('a worker killed mid-run leaves its jobs to another: the dataset is complete, nothing twice', async () => {
    const outDir = dir.file('killed');
    const runId = runIdFor(outDir);
    // Download slots of the killed worker come back only when their leases lapse; more slots keep this test short.
    const roomy = RunConfig.parse({ ...cfg, fetch: { ...cfg.fetch, perHostConcurrency: 8 } });
    await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg: roomy });
    const doomed = startWorker(redis.url);
    await until(async () => (await queueStatus(redis.url)).active > 0, 30_000, 20);
    doomed.kill('SIGKILL');
    const survivor = startWorker(redis.url);
    try {
      await followRun({ queueUrl: redis.url, runId });
    } finally {
      await stopWorker(survivor);
    }
    assert.deepEqual(await readDataset(outDir), local);
  });
});

function startWorker(queueUrl: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY, 'worker', '--queue', queueUrl, '--concurrency', '2', '--lock-sec', '2'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Dataset {
  /** Clip ids with their status, from the records. */
  clipIds: string[];
  statuses: string[];
  /** Shard members: `<shard>/<member>` with the sha256 of media members. */
  shardMembers: string[];
}

/** What must match between runs: clip ids, source outcomes and the shards' clip bytes. */
async function readDataset(outDir: string): Promise<Dataset> {
  const recordFiles = (await readdir(path.join(outDir, 'sources'))).filter((n) => n.endsWith('.json')).sort();
  const records = await Promise.all(recordFiles.map(async (n) => JSON.parse(await readFile(path.join(outDir, 'sources', n), 'utf8')) as SourceRecord));
  const shardFiles = (await readdir(path.join(outDir, 'shards'), { recursive: true }).catch(() => [])).filter((n) => n.endsWith('.tar')).sort();
  const shardMembers: string[] = [];
  for (const shard of shardFiles) {
    for (const [name, body] of await tarMembers(path.join(outDir, 'shards', shard))) {
      shardMembers.push(name.endsWith('.json') ? `${shard}/${name}` : `${shard}/${name} ${createHash('sha256').update(body).digest('hex')}`);
    }
  }
  return {
    clipIds: records.flatMap((r) => r.clips.map((c) => `${c.clipId} ${c.status}`)).sort(),
    statuses: records.map((r) => `${r.id} ${r.status}`),
    shardMembers,
  };
}

async function tarMembers(file: string): Promise<[string, Buffer][]> {
  const members: [string, Buffer][] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('end', () => {
      members.push([header.name, Buffer.concat(chunks)]);
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  createReadStream(file).pipe(extract);
  await done;
  return members;
}
