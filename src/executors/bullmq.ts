/**
 * The queue executor, client side: `clipmill run --queue` enqueues the run's pending sources and
 * follows it to the end of its pack job, which a `clipmill worker` runs (bullmq-worker.ts). The
 * steps live one a file: bullmq-jobs (what travels), bullmq-enqueue, bullmq-follow, bullmq-cancel,
 * bullmq-status; this file composes them and re-exports them.
 */
import type { Executor, ExecutorRun } from './executor.js';
import type { SourceRecord } from '../types.js';
import { enqueueRun, type EnqueueOptions, type EnqueueResult } from './bullmq-enqueue.js';
import { followRun, lastSourceEventId, type FollowResult } from './bullmq-follow.js';
import { runIdFor } from './bullmq-jobs.js';
import { openRedis } from './redis.js';
import type { RunProgress } from '../cli/progress.js';
import type { PackOutcome } from '../pipeline/pack-step.js';
import { queueSecret } from './job-trust.js';
import { checkRedis } from './redis-check.js';

export * from './bullmq-jobs.js';
export * from './bullmq-enqueue.js';
export * from './bullmq-follow.js';
export * from './bullmq-cancel.js';
export * from './bullmq-status.js';

/** Source ids the follower remembers at most, so following a run of millions stays small. */
const EXPECTED_CAP = 100_000;

export interface QueueRunOptions extends Omit<EnqueueOptions, 'onEnqueue' | 'progress'> {
  progress: RunProgress;
  signal?: AbortSignal;
  /** Reads a finished source's record for the progress lines (default: from the shared output folder). */
  readRecord?: (sourceId: string) => Promise<SourceRecord | undefined>;
}

/**
 * `clipmill run --queue`: enqueue and follow at once, so sources finished while the rest are
 * still being enqueued are shown too. Interrupting it leaves the run to the workers.
 */
export async function runOnQueue(opts: QueueRunOptions): Promise<EnqueueResult & FollowResult> {
  const redis = openRedis(opts.queueUrl);
  let since: string;
  try {
    since = await lastSourceEventId(redis);
  } finally {
    redis.disconnect();
  }
  const expected = new Set<string>();
  // Ids kept for the final catch-up of progress lines; past the cap (a huge run) only live events show.
  const remember = (ids: string[]): void => {
    for (const id of ids) if (expected.size < EXPECTED_CAP) expected.add(id);
  };
  opts.progress.start();
  try {
    const enqueued = await enqueueRun({ ...opts, onEnqueue: remember });
    const followed = await followRun({ queueUrl: opts.queueUrl, runId: opts.runId, progress: opts.progress, signal: opts.signal, since, expected, readRecord: opts.readRecord });
    return { ...enqueued, ...followed };
  } finally {
    opts.progress.stop();
  }
}

/**
 * An output the workers do not share with this process (an s3:// prefix): they publish to it what
 * they finish, and this process, whose `outDir` stages it, reduces it once every source is done.
 */
export interface RemoteOutput {
  /** The output as the workers see it, signed into the run's settings. */
  uri: string;
  readRecord(sourceId: string): Promise<SourceRecord | undefined>;
  /** The pack step, here (the workers' pack job only marks that every source job is done). */
  reduce(run: ExecutorRun): Promise<PackOutcome>;
}

/** The executor that enqueues a run for `clipmill worker` processes and follows it. */
export function queueExecutor(queueUrl: string, remote?: RemoteOutput, options: { window?: number } = {}): Executor {
  return {
    name: 'bullmq',
    async execute(run) {
      // The run's settings are signed with the secret: fail before connecting when it is missing.
      queueSecret();
      await checkRedis(queueUrl, run.signal);
      const result = await runOnQueue({
        queueUrl, runId: runIdFor(remote?.uri ?? run.outDir), window: options.window, ...run, publishTo: remote?.uri, readRecord: remote && ((id) => remote.readRecord(id)),
      });
      if (result.cancelled) return { cancelled: true };
      if (remote) return { cancelled: false, pack: await remote.reduce(run) };
      const { cancelled: _cancelled, ...pack } = result.pack ?? {};
      return { cancelled: false, pack: pack as PackOutcome };
    },
  };
}
