/**
 * Queue benchmark: (1) per-task overhead of the BullMQ executor against the in-process pool, with
 * empty tasks; (2) sources per minute on a small generated corpus with a local run, one worker
 * process and two worker processes. Starts its own redis-server; prints a Markdown table.
 *
 *   node --import tsx bench/queue/run.ts [--videos 8] [--seconds 4] [--empty 2000] [--repeat 3] [--workers 1,2,4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { Redis } from 'ioredis';
import { parseArgs } from 'node:util';
import { RunProgress } from '../../src/cli/progress.js';
import { RunConfig } from '../../src/config/schema.js';
import { enqueueRun, followRun, queueStatus, runIdFor } from '../../src/executors/bullmq.js';
import { startQueueWorker, type QueueTasks } from '../../src/executors/bullmq-worker.js';
import { workerSettings } from '../../src/executors/job-trust.js';
import { openRedis } from '../../src/executors/redis.js';
import { runPool } from '../../src/executors/local.js';
import { runDataset } from '../../src/pipeline/run.js';
import type { SourceRecord } from '../../src/types.js';
import { CLI_ARGS } from '../../test/helpers/cli.js';
import { cutVideo, tempDir } from '../../test/helpers/media.js';
import { startRedis, until } from '../../test/helpers/redis.js';

const { values } = parseArgs({ options: { videos: { type: 'string', default: '8' }, seconds: { type: 'string', default: '4' }, empty: { type: 'string', default: '2000' }, repeat: { type: 'string', default: '3' }, workers: { type: 'string', default: '1,2,4' } } });
const VIDEOS = Number(values.videos);
const SECONDS = Number(values.seconds);
const EMPTY = Number(values.empty);
const REPEAT = Number(values.repeat);
const CONCURRENCY = 2;
const WORKER_COUNTS = values.workers.split(',').map(Number);

const redis = await startRedis();
const dir = await tempDir('clipmill-bench-queue-');
// Queued runs are signed with a shared secret, which the spawned workers inherit.
process.env.CLIPMILL_QUEUE_SECRET ??= 'bench-secret-for-the-queue-bench';
const quiet = { write: () => true } as unknown as NodeJS.WriteStream;
const rows: string[] = [];
try {
  await emptyTaskOverhead();
  await corpusThroughput();
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}\n`);
  console.log('| measure | value |\n|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await redis.stop();
  await dir.remove();
}

/** Empty tasks: what the queue itself costs per source, end to end (enqueue → done → pack). */
async function emptyTaskOverhead(): Promise<void> {
  const manifest = dir.file('empty.csv');
  await writeFile(manifest, ['url', ...Array.from({ length: EMPTY }, (_, i) => `https://bench.example.com/v${i}.mp4`)].join('\n') + '\n');

  let t = performance.now();
  await runPool((async function* () { for (let i = 0; i < EMPTY; i++) yield i; })(), 8, async () => {});
  const inProcess = (performance.now() - t) / EMPTY;

  const noop: QueueTasks = {
    source: async (source) => ({ status: 'done', id: source.id } as SourceRecord),
    pack: async () => ({}),
  };
  const outDir = dir.file('empty-out');
  const runId = runIdFor(outDir);
  const client = openRedis(redis.url);
  const memoryBefore = await usedMemory(client);
  t = performance.now();
  await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg: RunConfig.parse({}) });
  const enqueueMs = performance.now() - t;
  const bytesPerJob = ((await usedMemory(client)) - memoryBefore) / EMPTY;
  client.disconnect();
  const worker = await startQueueWorker({ queueUrl: redis.url, concurrency: 8, tasks: noop, settings: await workerSettings({ outRoot: dir.path }) });
  await followRun({ queueUrl: redis.url, runId });
  const totalMs = performance.now() - t;
  await worker.close();
  // What stays after the run: finished source jobs are removed, but the pack job (their flow
  // parent) keeps one entry per child in its `processed` hash until it is removed itself.
  const memoryClient = openRedis(redis.url);
  const bytesPerDone = ((await usedMemory(memoryClient)) - memoryBefore) / EMPTY;
  memoryClient.disconnect();
  rows.push(`| empty task, in-process pool (concurrency 8) | ${(inProcess * 1000).toFixed(1)} µs/task |`);
  rows.push(`| empty task, enqueue only (${EMPTY} jobs, batches of 500) | ${(enqueueMs / EMPTY).toFixed(3)} ms/task |`);
  rows.push(`| Redis memory per waiting source job | ${Math.round(bytesPerJob)} bytes |`);
  rows.push(`| Redis memory per finished source job (kept by the run's pack job until it is removed) | ${Math.round(bytesPerDone)} bytes |`);
  rows.push(`| empty task, BullMQ end to end (1 worker, concurrency 8) | ${(totalMs / EMPTY).toFixed(3)} ms/task (${Math.round(EMPTY / (totalMs / 1000))} tasks/s) |`);
}

/**
 * Real sources (files on local disk, shots with motion so their clips are kept and encoded): local
 * run, then 1 and 2 `clipmill worker` processes, same corpus.
 */
async function corpusThroughput(): Promise<void> {
  const names = ['testsrc2', 'mandelbrot', 'life=ratio=0.5:mold=10'];
  const fps = 25;
  const files: string[] = [];
  for (let i = 0; i < VIDEOS; i++) {
    const file = dir.file(`v${i}.mp4`);
    const third = Math.round((SECONDS * fps) / 3);
    await cutVideo(file, [0, 1, 2].map((k) => ({ source: names[(i + k) % names.length]!, frames: third })), '320x180', fps);
    files.push(file);
  }
  const manifest = dir.file('corpus.csv');
  await writeFile(manifest, ['path', ...files].join('\n') + '\n');
  const cfg = RunConfig.parse({ workers: CONCURRENCY, segment: { minClipSec: 1 } });

  // The three executors take turns, round after round, so load from other processes on a shared
  // machine spreads over all of them; each row reports the median round and the range.
  const times = new Map<string, number[]>();
  let kept = 0;
  for (let round = 0; round < REPEAT; round++) {
    let t = performance.now();
    const local = await runDataset({ inputs: [manifest], outDir: dir.file(`local-${round}`), cfg, progress: new RunProgress(quiet, false), allowLocal: [dir.path] });
    timed('local run (in-process)', performance.now() - t);
    kept = local.pack?.clipsKept ?? 0;

    for (const n of WORKER_COUNTS) {
      const outDir = dir.file(`workers-${n}-${round}`);
      const runId = runIdFor(outDir);
      const workers = Array.from({ length: n }, () => startWorker());
      // Process start-up is not timed: the clock starts once every worker is connected.
      await until(async () => (await queueStatus(redis.url)).workers.length >= n, 60_000, 50);
      t = performance.now();
      await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
      await followRun({ queueUrl: redis.url, runId });
      timed(`${n} worker process${n > 1 ? 'es' : ''}`, performance.now() - t);
      await Promise.all(workers.map(stop));
    }
  }
  rows.push(`| corpus: ${VIDEOS} sources of ${SECONDS} s 320x180, three shots each; ${kept} clips kept after dedup; concurrency ${CONCURRENCY} per process; ${REPEAT} rounds | |`);
  for (const [what, ms] of times) {
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const range = sorted.length > 1 ? ` (range ${(sorted[0]! / 1000).toFixed(1)}–${(sorted.at(-1)! / 1000).toFixed(1)} s)` : '';
    rows.push(`| ${what} | ${(median / 1000).toFixed(1)} s${range}, ${(VIDEOS / (median / 60000)).toFixed(1)} sources/min, ${((VIDEOS * SECONDS) / (median / 1000)).toFixed(1)}× realtime |`);
  }

  function timed(what: string, ms: number): void {
    times.set(what, [...(times.get(what) ?? []), ms]);
  }
}

async function usedMemory(client: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
}

function startWorker(): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGS, 'worker', '--queue', redis.url, '--concurrency', String(CONCURRENCY), '--allow-local', dir.path, '--out-root', dir.path], { stdio: 'ignore' });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
