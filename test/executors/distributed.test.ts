/**
 * A distributed run end to end, through the real command line: videos served over loopback HTTP,
 * `clipmill worker` processes and `clipmill run --queue`. The same input gives the clips, shard
 * samples, index, warnings and exit status of a local run (the parts the samples were cut into
 * differ: each worker commits its own); the per-host rate holds across two workers as the server
 * sees it; a rerun skips everything; a worker killed mid-run (SIGKILL) still leaves a complete
 * dataset, and so do two workers killed at random points while they commit parts; a worker stopped
 * by SIGTERM commits what it finished; a cancelled run does nothing until the same command resumes it.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { queueStatus, runIdFor } from '../../src/executors/bullmq.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { listShards, queryIndex, readRecords, recordFiles } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { checkParts, type PartsView } from '../helpers/parts.js';
import { startRedis, until, type TestRedis } from '../helpers/redis.js';

const VIDEOS = 6;
const RPS = 2;
/** Shot sources with motion and texture, so the filters keep their clips. */
const SHOTS = ['testsrc2', 'mandelbrot', 'life=ratio=0.5:mold=10:seed=3'];
const RUN_FLAGS = ['--min-clip', '1', '--max-clip', '4', '--host-rps', String(RPS), '--host-concurrency', '2'];
/** Queued runs are signed with this shared secret; workers refuse runs without it. */
const QUEUE_ENV = { CLIPMILL_QUEUE_SECRET: 'distributed-test-shared-secret' };
/**
 * What legitimately differs between two runs of the same input: when a source was fetched, and the
 * tar (of which part) a clip went into.
 */
const VOLATILE = new Set(['retrieved_at', 'shard']);
/**
 * Job locks of the workers (`--lock-sec`). A live worker too starved of CPU to renew its lock in
 * time loses its job to another, and the source is done twice: so the tests that kill no worker
 * use a lock no load outlasts, and those that kill one a lock that is short enough for the dead
 * worker's jobs to come back soon but still takes an 8 s stall of a live worker to lose.
 */
const LOCK_SEC = 120;
const KILL_LOCK_SEC = 8;

describe('distributed run (clipmill worker processes)', () => {
  let redis: TestRedis;
  let dir: TempDir;
  let server: http.Server;
  let manifest: string;
  const requests: number[] = [];
  let local: Dataset;
  let localRun: CliResult;
  const workers: ChildProcess[] = [];

  const startWorker = (lockSec = LOCK_SEC): ChildProcess => {
    const { child } = startCli(['worker', '--queue', redis.url, '--concurrency', '2', '--lock-sec', String(lockSec), '--allow-private-network', '--out-root', dir.path], QUEUE_ENV);
    workers.push(child);
    return child;
  };
  const runOnQueue = (outDir: string, flags = RUN_FLAGS) => startCli(['run', manifest, '--out', outDir, '--queue', redis.url, ...flags], QUEUE_ENV);
  const stopWorkers = async () => {
    await Promise.all(workers.map(stopWorker));
    workers.length = 0;
  };
  const connectedWorkers = async (n: number) => until(async () => (await queueStatus(redis.url)).workers.length >= n, 30_000, 50);

  before(async () => {
    redis = await startRedis();
    dir = await tempDir('clipmill-dist-');
    await Promise.all(Array.from({ length: VIDEOS }, (_, i) => cutVideo(dir.file(`v${i}.mp4`),
      [0, 1, 2].map((k) => ({ source: SHOTS[(i + k) % SHOTS.length]!, frames: 50 + 5 * ((i + k) % 5) })), '320x180')));
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
    localRun = expectExit(await runCli(['run', manifest, '--out', outDir, ...RUN_FLAGS, '--allow-private-network']), 0);
    local = await readDataset(outDir);
    // No use declared: the run ends with the licence warning, which a queued run must print too.
    assert.ok(warnings(localRun).some((w) => w.includes('No intended use was declared')), localRun.stderr);
    assert.equal(local.sources.filter((s) => s.endsWith(' done')).length, VIDEOS);
    assert.ok(local.clips.filter((c) => c.endsWith(' kept')).length >= VIDEOS, `the local run kept clips: ${local.clips.join(', ')}`);
    assert.ok(local.parts.members.some((m) => m.includes('.mp4 ')), 'the local run packed clips into shards');
  });
  afterEach(stopWorkers);
  after(async () => {
    server?.closeAllConnections();
    server?.close();
    await redis?.stop();
    await dir?.remove();
  });

  it('run --queue with two workers gives the local dataset, holds the per-host rate, and a rerun skips everything', async () => {
    const outDir = dir.file('two-workers');
    startWorker();
    startWorker();
    await connectedWorkers(2);
    requests.length = 0;
    const first = expectExit(await runOnQueue(outDir).done, 0);
    assert.match(first.stderr, new RegExp(`finished: ${VIDEOS} done, 0 failed, 0 refused, 0 from earlier runs`));
    assert.deepEqual(await readDataset(outDir), local);
    assert.equal(first.code, localRun.code);
    assert.deepEqual(warnings(first), warnings(localRun), 'the same warnings as the local run');
    const status = expectExit(await runCli(['status', outDir, '--queue', redis.url]), 0).stdout;
    assert.match(status, /workers +2 connected/);
    assert.match(status, new RegExp(`this run queued: ${VIDEOS} of ${VIDEOS} source jobs processed, 0 to do, 0 failed jobs; pack completed`));

    const starts = [...requests].sort((a, b) => a - b);
    assert.ok(starts.length >= VIDEOS);
    // The shared bucket grants a start every 500 ms, so any one second holds at most 3 of them. A
    // busy machine can only hold a request back after its grant (never send it early), which can
    // bunch it with the next: allow one more. Without the gate the requests come in one burst.
    const busiest = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 1000).length));
    assert.ok(busiest <= RPS + 2, `${busiest} requests within one second: ${starts.map((t) => t - starts[0]!).join(', ')} ms`);

    requests.length = 0;
    const again = expectExit(await runOnQueue(outDir).done, 0);
    assert.match(again.stderr, new RegExp(`finished: 0 done, 0 failed, 0 refused, ${VIDEOS} from earlier runs`));
    assert.equal(requests.length, 0, 'nothing was fetched again');
    assert.deepEqual(await readDataset(outDir), local, 'the repack gives the same dataset');
    assert.deepEqual(warnings(again), warnings(localRun));
  });

  it('a worker killed mid-run leaves its jobs to another: the dataset is complete, nothing twice', async () => {
    const outDir = dir.file('killed');
    // Download slots of the killed worker come back only when their leases lapse; more slots keep this test short.
    const run = runOnQueue(outDir, [...RUN_FLAGS, '--host-concurrency', '8']);
    const doomed = startWorker(KILL_LOCK_SEC);
    // Mid-run: some sources recorded, others in the doomed worker's hands.
    await until(async () => (await recordCount(outDir)) > 0 && (await queueStatus(redis.url)).active > 0, 60_000, 20);
    doomed.kill('SIGKILL');
    assert.ok((await recordCount(outDir)) < VIDEOS, 'the worker was killed before the run finished');
    startWorker(KILL_LOCK_SEC);
    expectExit(await run.done, 0);
    assert.deepEqual(await readDataset(outDir), local);
  });

  it('two workers killed at random points, while they commit parts too, still give every source once, no partial shard and the local clip ids', async () => {
    const outDir = dir.file('random-kills');
    // A part per source with kept clips (shard size 1 byte), so commits happen all through the run.
    const run = runOnQueue(outDir, [...RUN_FLAGS, '--host-concurrency', '8', '--shard-size', '1']);
    const first = startWorker(KILL_LOCK_SEC);
    const second = startWorker(KILL_LOCK_SEC);
    const firstDelay = Math.floor(Math.random() * 400);
    const secondDelay = Math.floor(Math.random() * 60);
    const when = `killed ${firstDelay} ms after the first record, then ${secondDelay} ms after a part was started`;
    await until(async () => (await recordCount(outDir)) > 0, 60_000, 10);
    await sleep(firstDelay);
    first.kill('SIGKILL');
    startWorker(KILL_LOCK_SEC);
    await until(async () => (await readdir(path.join(outDir, 'index', 'pending')).catch(() => [])).length > 0, 60_000, 5);
    await sleep(secondDelay);
    second.kill('SIGKILL');
    startWorker(KILL_LOCK_SEC);
    expectExit(await run.done, 0);
    assert.deepEqual(await readDataset(outDir), local, when);
  });

  it('a worker stopped by SIGTERM commits what it finished before it exits; another finishes the run', async () => {
    const outDir = dir.file('stopped');
    const run = runOnQueue(outDir);
    const stopped = startWorker();
    await until(async () => (await recordCount(outDir)) > 0, 60_000, 20);
    await stopWorker(stopped);
    const recorded = await recordCount(outDir);
    assert.ok(recorded < VIDEOS, `stopped mid-run (${recorded} records)`);
    const committed = (await readdir(path.join(outDir, 'index', 'pending'))).filter((n) => n.endsWith('.json'));
    assert.ok(committed.length > 0, 'the stopped worker committed a part');
    assert.deepEqual(await readdir(path.join(outDir, 'pending')), [], 'no finished source left marked');
    startWorker();
    expectExit(await run.done, 0);
    assert.deepEqual(await readDataset(outDir), local);
  });

  it('clipmill cancel stops a queued run; the same run command resumes it', async () => {
    const outDir = dir.file('cancelled');
    const runId = runIdFor(outDir);
    const run = runOnQueue(outDir);
    await until(async () => (await queueStatus(redis.url, runId).catch(() => undefined))?.run?.state === 'queued', 30_000, 50);
    expectExit(await runCli(['cancel', outDir, '--queue', redis.url]), 0);
    const followed = expectExit(await run.done, 1);
    assert.match(followed.stderr, /cancelled/);
    const status = expectExit(await runCli(['status', outDir, '--queue', redis.url]), 0).stdout;
    assert.match(status, new RegExp(`this run cancelled: 0 of ${VIDEOS} source jobs processed, ${VIDEOS} to do`));

    // A worker started now drains the cancelled run's jobs without doing them, and does not pack.
    startWorker();
    await until(async () => (await queueStatus(redis.url, runId)).run?.pack === 'completed', 30_000, 50);
    assert.equal(await recordCount(outDir), 0);
    assert.deepEqual(await listShards(outDir), []);

    expectExit(await runOnQueue(outDir).done, 0);
    assert.deepEqual(await readDataset(outDir), local);
  });
});

function expectExit(result: CliResult, code: number): CliResult {
  assert.equal(result.code, code, `exit ${result.code} (${result.signal ?? 'no signal'}), stderr:\n${result.stderr}`);
  return result;
}

/** The `warning:` lines a run printed, in order. */
function warnings(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('warning: '));
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function recordCount(outDir: string): Promise<number> {
  return (await recordFiles(outDir)).length;
}

interface Dataset {
  /** `<source id> <status>` from the records. */
  sources: string[];
  /** `<clip id> <status>` from the records. */
  clips: string[];
  /** The samples and rows of the committed parts, checked consistent (every source once, no stray tar, nothing staged). */
  parts: PartsView;
  /** sha256 of every index row, by clip id. */
  indexRows: string[];
}

/** What must match between runs of the same input: outcomes, shard samples and index rows. */
async function readDataset(outDir: string): Promise<Dataset> {
  const records = await readRecords(outDir);
  const rows = await queryIndex(outDir, (t) => `SELECT * FROM ${t} ORDER BY clip_id`);
  return {
    sources: records.map((r) => `${r.id} ${r.status}`),
    clips: records.flatMap((r) => r.clips.map((c) => `${c.clipId} ${c.status}`)).sort(),
    parts: await checkParts(outDir, ['final']),
    indexRows: rows.map((row) => `${String(row.clip_id)} ${sha256(stableJson(row))}`),
  };
}

function stableJson(value: Record<string, unknown>): string {
  const kept = Object.entries(value).filter(([k]) => !VOLATILE.has(k));
  return JSON.stringify(Object.fromEntries(kept), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
