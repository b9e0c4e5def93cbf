/**
 * `startWorker`: a queue worker in this process, taking source and pack jobs of runs enqueued with
 * `run({ queue })` or `clipmill run --queue`, and origin checks of `clipmill recheck --queue`.
 * `clipmill worker` is this function plus signals.
 */
import { FatalError } from '../errors.js';
import { checkHwaccel } from '../media/hwaccel.js';
import type { RunConfig } from '../config/schema.js';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.js';
import { resolveStages, type RunOptions } from './run.js';

export interface WorkerOptions {
  /** redis:// URL of the queue. */
  queue: string;
  /** Sources processed at once (default 2). */
  concurrency?: number;
  /** Seconds before a job of a dead worker is given to another (default 30). */
  lockSec?: number;
  hwaccel?: 'cuda';
  /** The per-source stages, as for `run` (every worker of a run should use the same). */
  stages?: RunOptions['stages'];
  log?: (message: string) => void;
  /** Counts finished sources into these Prometheus metrics (`clipmill worker --metrics-port`). */
  metrics?: PipelineMetrics;
  /** The only folder runs may write under (checked after resolving links): runs naming another are refused. */
  outRoot: string;
  /** Folders whose local files jobs may name (none by default). */
  allowLocal?: string[];
  /** Fetch from private and loopback addresses too. */
  allowPrivateNetwork?: boolean;
  /** This worker's yt-dlp and opt-out lists: never taken from the queue. */
  ytDlp?: string;
  optOut?: string[];
  /** This worker's ONNX encoder for runs that embed clips (never taken from the queue). */
  embedModel?: string;
  /**
   * `bucket` or `bucket/prefix` entries: the only S3 locations this process reads (s3:// sources)
   * and writes (s3:// outputs) with its credentials. None by default: every S3 access is refused.
   */
  s3Allow?: string[];
  /** Where the staging folders of runs with an s3:// output go (default: under outRoot). */
  s3Staging?: string;
}

export interface Worker {
  /** Stops taking jobs; waits for the running ones, or with `release` hands them back at once. */
  close(opts?: { release?: boolean }): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  const { pipelineTasks } = await import('../executors/bullmq-tasks.js');
  const { startQueueWorker } = await import('../executors/bullmq-worker.js');
  const { openRedis } = await import('../executors/redis.js');
  const { startRecheckWorker } = await import('../executors/recheck-queue.js');
  const { workerSettings } = await import('../executors/job-trust.js');
  const { checkRedis } = await import('../executors/redis-check.js');
  const { LocalRoots } = await import('../fetch/local-roots.js');
  const { S3AllowList, limitS3Access } = await import('../store/s3-allow.js');
  const { publishingTasks } = await import('../store/s3-worker.js');
  let s3Allow;
  try {
    s3Allow = S3AllowList.of(opts.s3Allow ?? []);
  } catch (err) {
    throw new FatalError((err as Error).message);
  }
  // A job names buckets; the worker's credentials may reach many: only the allowed ones are touched.
  limitS3Access(s3Allow);
  // Runs are accepted only when signed with CLIPMILL_QUEUE_SECRET; programs and files are this worker's own.
  const settings = await workerSettings({
    outRoot: opts.outRoot, ytDlpPath: opts.ytDlp, optOutList: opts.optOut, embedModel: opts.embedModel, s3Allow, s3StagingRoot: opts.s3Staging,
  });
  await checkRedis(opts.queue);
  if (opts.hwaccel) await checkHwaccel(opts.hwaccel);
  const access = { localRoots: await LocalRoots.of(opts.allowLocal ?? []), allowPrivateNetwork: opts.allowPrivateNetwork };
  const gateRedis = openRedis(opts.queue);
  const stages = opts.stages ? (cfg: RunConfig) => resolveStages(cfg, opts.stages) : undefined;
  // Runs with an s3:// output are staged here and published as their sources finish.
  const tasks = publishingTasks(pipelineTasks({ redis: gateRedis, access, hwaccel: opts.hwaccel, stages }));
  const { meteredTasks } = await import('../metrics/observe.js');
  const worker = await startQueueWorker({
    queueUrl: opts.queue,
    concurrency: opts.concurrency ?? 2,
    lockMs: Math.round((opts.lockSec ?? 30) * 1000),
    tasks: opts.metrics ? meteredTasks(tasks, opts.metrics) : tasks,
    settings,
    log: opts.log,
  });
  // The same worker answers `clipmill recheck --queue` jobs (one origin check each).
  const rechecks = await startRecheckWorker({ queueUrl: opts.queue, gateRedis, secret: settings.secret, ytDlpPath: settings.ytDlpPath, allowPrivateNetwork: opts.allowPrivateNetwork });
  return {
    async close(closeOpts) {
      await Promise.all([worker.close(closeOpts), rechecks.close()]);
      gateRedis.disconnect();
    },
  };
}
