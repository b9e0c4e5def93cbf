/**
 * The queue layer with a stand-in task (no media): every source is processed once across two
 * workers, the pack step runs once after all of them, enqueueing twice adds nothing twice, and a
 * cancelled run does no work until it is enqueued again.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { defaultConfig } from '../../src/config/schema.js';
import { cancelRun, enqueueRun, followRun, queueStatus, runIdFor } from '../../src/executors/bullmq.js';
import { startQueueWorker, type QueueTasks, type QueueWorker } from '../../src/executors/bullmq-worker.js';
import { workerSettings, type WorkerSettings } from '../../src/executors/job-trust.js';
import { PACK_QUEUE, packJobId, redisOptions, SOURCES_QUEUE } from '../../src/executors/redis.js';
import type { Source, SourceRecord } from '../../src/types.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { startRedis, until, type TestRedis } from '../helpers/redis.js';

const SOURCES = 24;

/** A task that leaves a one-clip record, counting how often each source and pack ran. */
function countingTasks(): QueueTasks & { runs: Map<string, number>; packs: number } {
  const runs = new Map<string, number>();
  const tasks = {
    runs,
    packs: 0,
    async source(source: Source, run: Parameters<QueueTasks['source']>[1]): Promise<SourceRecord> {
      runs.set(source.id, (runs.get(source.id) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      const now = new Date().toISOString();
      const record: SourceRecord = {
        version: 1, id: source.id, uri: source.uri, kind: source.kind, status: 'done', origin: source.origin,
        metadata: source.metadata, clips: [], timings: {}, startedAt: now, finishedAt: now,
      };
      await run.out.writeRecord(record);
      return record;
    },
    async pack() {
      tasks.packs++;
      return { sources: runs.size };
    },
  };
  return tasks;
}

describe('BullMQ executor (stand-in task)', () => {
  let redis: TestRedis;
  let dir: TempDir;
  let manifest: string;
  const cfg = defaultConfig();
  let settings: WorkerSettings;

  before(async () => {
    redis = await startRedis();
    dir = await tempDir('clipmill-queue-');
    // Runs are signed with the shared secret; workers write only below their --out-root.
    process.env.CLIPMILL_QUEUE_SECRET = 'test-secret-for-the-queue-tests';
    settings = await workerSettings({ outRoot: dir.path });
    manifest = dir.file('list.csv');
    const rows = Array.from({ length: SOURCES }, (_, i) => `https://videos.example.com/v${i}.mp4`);
    await writeFile(manifest, ['url', ...rows].join('\n') + '\n');
  });
  after(async () => {
    await redis?.stop();
    await dir?.remove();
  });

  it('processes every source once over two workers, then packs once; a rerun skips them and packs again', async () => {
    const outDir = dir.file('out-a');
    const runId = runIdFor(outDir);
    const tasks = countingTasks();
    const workers: QueueWorker[] = [];
    try {
      const first = await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
      assert.deepEqual({ seen: first.seen, skipped: first.skipped, enqueued: first.enqueued }, { seen: SOURCES, skipped: 0, enqueued: SOURCES });
      for (let i = 0; i < 2; i++) workers.push(await startQueueWorker({ queueUrl: redis.url, concurrency: 3, tasks, settings }));
      const followed = await followRun({ queueUrl: redis.url, runId });
      assert.equal(followed.cancelled, false);
      assert.equal(followed.pack?.sources, SOURCES);
      assert.equal(tasks.runs.size, SOURCES);
      assert.ok([...tasks.runs.values()].every((n) => n === 1), 'no source processed twice');
      assert.equal(tasks.packs, 1);

      const again = await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
      assert.deepEqual({ skipped: again.skipped, enqueued: again.enqueued }, { skipped: SOURCES, enqueued: 0 });
      await followRun({ queueUrl: redis.url, runId });
      assert.equal(tasks.packs, 2);
      assert.ok([...tasks.runs.values()].every((n) => n === 1));
      const status = await queueStatus(redis.url, runId);
      assert.equal(status.workers.length, 2);
      assert.equal(status.run?.pack, 'completed');
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  });

  it('enqueueing the same run twice adds each source job once', async () => {
    const outDir = dir.file('out-b');
    const runId = runIdFor(outDir);
    const sourcesQueue = new Queue(SOURCES_QUEUE, { connection: redisOptions(redis.url) });
    try {
      const before = await sourcesQueue.getWaitingCount();
      await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
      await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
      assert.equal((await sourcesQueue.getWaitingCount()) - before, SOURCES);
      const status = await queueStatus(redis.url, runId);
      assert.equal(status.run?.unprocessed, SOURCES);
      assert.equal(status.run?.pack, 'waiting-children');

      const tasks = countingTasks();
      const worker = await startQueueWorker({ queueUrl: redis.url, concurrency: 4, tasks, settings });
      try {
        await followRun({ queueUrl: redis.url, runId });
      } finally {
        await worker.close();
      }
      assert.equal(tasks.runs.size, SOURCES);
      assert.ok([...tasks.runs.values()].every((n) => n === 1));
      assert.equal(tasks.packs, 1);
    } finally {
      await sourcesQueue.close();
    }
  });

  it('a cancelled run does no work and does not pack; enqueueing it again resumes it', async () => {
    const outDir = dir.file('out-c');
    const runId = runIdFor(outDir);
    const tasks = countingTasks();
    await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
    await cancelRun(redis.url, runId);
    const worker = await startQueueWorker({ queueUrl: redis.url, concurrency: 4, tasks, settings });
    try {
      assert.deepEqual(await followRun({ queueUrl: redis.url, runId }), { cancelled: true });
      await until(async () => (await queueStatus(redis.url, runId)).run?.pack === 'completed');
      assert.equal(tasks.runs.size, 0);
      assert.equal(tasks.packs, 0);

      const resumed = await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
      assert.equal(resumed.enqueued, SOURCES);
      const followed = await followRun({ queueUrl: redis.url, runId });
      assert.equal(followed.cancelled, false);
      assert.equal(tasks.runs.size, SOURCES);
      assert.equal(tasks.packs, 1);
    } finally {
      await worker.close();
    }
  });

  it('with a window, Redis never holds more waiting jobs than it allows; enqueueing resumes as workers take them', async () => {
    const outDir = dir.file('out-d');
    const runId = runIdFor(outDir);
    const tasks = countingTasks();
    const sourcesQueue = new Queue(SOURCES_QUEUE, { connection: redisOptions(redis.url) });
    const window = 5;
    let most = 0;
    let enqueued = false;
    const waiting = async (): Promise<number> => {
      const n = await sourcesQueue.getJobCountByTypes('wait', 'paused', 'prioritized');
      most = Math.max(most, n);
      return n;
    };
    try {
      const enqueueing = enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg, window }).then((r) => {
        enqueued = true;
        return r;
      });
      // No worker yet: the enqueuer fills the window and then has to wait, however long that is.
      await until(async () => (await waiting()) === window);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await waiting(), window);
      assert.equal(enqueued, false);
      const worker = await startQueueWorker({ queueUrl: redis.url, concurrency: 1, tasks, settings });
      try {
        const sampling = (async () => {
          while (!enqueued) {
            await waiting();
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        const result = await enqueueing;
        await sampling;
        assert.equal(result.enqueued, SOURCES);
        await followRun({ queueUrl: redis.url, runId });
        assert.equal(tasks.runs.size, SOURCES);
        assert.equal(tasks.packs, 1);
        assert.ok(most <= window, `at most ${window} jobs waited at once, saw ${most}`);
      } finally {
        await worker.close();
      }
    } finally {
      await sourcesQueue.close();
    }
  });

  /**
   * Follows a run whose pack job ends (`end`) between the follower's read of the job and its
   * question for the job's state; `pack` gives the pack task from the stand-in one.
   */
  async function followPackEndingLate(outName: string, end: 'completed' | 'failed', pack: (standIn: QueueTasks['pack']) => QueueTasks['pack']) {
    const outDir = dir.file(outName);
    const runId = runIdFor(outDir);
    const tasks = countingTasks();
    const packQueue = new Queue(PACK_QUEUE, { connection: redisOptions(redis.url) });
    const interleaving = packEndsBetweenReadAndState(runId, packQueue, end);
    const packTask = pack(tasks.pack);
    tasks.pack = async (run) => {
      await interleaving.packMayEnd;
      return packTask(run);
    };
    await enqueueRun({ queueUrl: redis.url, runId, inputs: [manifest], outDir, cfg });
    const worker = await startQueueWorker({ queueUrl: redis.url, concurrency: 4, tasks, settings });
    try {
      const followed = await followRun({ queueUrl: redis.url, runId }).then((result) => ({ result }), (error: unknown) => ({ error }));
      return { tasks, followed };
    } finally {
      interleaving.restore();
      await worker.close();
      await packQueue.close();
    }
  }

  it("gives the pack's result when the pack job completes between reading the job and its state", async () => {
    const { tasks, followed } = await followPackEndingLate('out-e', 'completed', (standIn) => standIn);
    assert.equal(tasks.packs, 1);
    assert.ok('result' in followed, String((followed as { error?: unknown }).error));
    assert.equal(followed.result.pack?.sources, SOURCES, 'the return value of the pack job, not of its earlier read');
  });

  it("names the pack's failure when the pack job fails between reading the job and its state", async () => {
    const { followed } = await followPackEndingLate('out-f', 'failed', () => async () => {
      throw new UnrecoverableError('the disk is full');
    });
    assert.ok('error' in followed, 'the follower fails');
    assert.match(String(followed.error), /pack step of run \S+ failed: the disk is full$/);
  });
});

/**
 * Forces the interleaving where the follower's copy of the pack job predates the job's end: the
 * pack task may end (`packMayEnd`) only once the follower has read the job while it ran, and the
 * follower's question for that copy's state is held until the job is `end`.
 */
function packEndsBetweenReadAndState(runId: string, packQueue: Queue, end: 'completed' | 'failed'): { packMayEnd: Promise<void>; restore(): void } {
  let release!: () => void;
  const packMayEnd = new Promise<void>((resolve) => (release = resolve));
  const getState = Job.prototype.getState;
  Job.prototype.getState = async function (this: Job) {
    if (this.id === packJobId(runId) && this.finishedOn == null && (await getState.call(this)) === 'active') {
      release();
      await until(async () => {
        const now = await packQueue.getJob(this.id!);
        return now !== undefined && (await getState.call(now)) === end;
      });
    }
    return getState.call(this);
  };
  return { packMayEnd, restore: () => (Job.prototype.getState = getState) };
}
