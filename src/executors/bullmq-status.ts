/** The queue's depth and workers, and one run's progress, for `clipmill status --queue`. */
import { Queue } from 'bullmq';
import { FatalError } from '../errors.js';
import { openRedis, PACK_QUEUE, packJobId, redisOptions, runKey, SOURCES_QUEUE } from './redis.js';

export interface QueueStatus {
  /** Source jobs of all runs, by state. */
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  /** Connected BullMQ workers (a `clipmill worker` process holds one per queue). */
  workers: { name: string; addr: string; ageSec: number }[];
  run?: {
    runId: string;
    state: string;
    outDir: string;
    enqueued: number;
    /** Source jobs of this run finished / still to do / failed after all attempts. */
    processed: number;
    unprocessed: number;
    failedJobs: number;
    /** State of the pack job: waiting-children, waiting, active, completed, failed. */
    pack: string;
  };
}

/** Queue depth, workers and (with a run id) the run's own progress, for `clipmill status --queue`. */
export async function queueStatus(queueUrl: string, runId?: string): Promise<QueueStatus> {
  const connection = redisOptions(queueUrl);
  const sourcesQueue = new Queue(SOURCES_QUEUE, { connection });
  const packQueue = new Queue(PACK_QUEUE, { connection });
  const redis = openRedis(queueUrl);
  try {
    const counts = await sourcesQueue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const workers = await sourcesQueue.getWorkers();
    const status: QueueStatus = {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      delayed: counts.delayed ?? 0,
      workers: workers.map((w) => ({ name: String(w.name ?? ''), addr: String(w.addr ?? ''), ageSec: Number(w.age ?? 0) })),
    };
    if (runId) {
      const h = await redis.hgetall(runKey(runId));
      if (!h.outDir) throw new FatalError(`no run ${runId} in ${queueUrl}`);
      const pack = await packQueue.getJob(packJobId(runId));
      const deps = pack ? await pack.getDependenciesCount({ processed: true, unprocessed: true, ignored: true }) : {};
      status.run = {
        runId, state: h.state ?? 'unknown', outDir: h.outDir, enqueued: Number(h.enqueued ?? 0),
        processed: deps.processed ?? 0, unprocessed: deps.unprocessed ?? 0, failedJobs: deps.ignored ?? 0,
        pack: pack ? await pack.getState() : 'none',
      };
    }
    return status;
  } finally {
    await Promise.allSettled([sourcesQueue.close(), packQueue.close()]);
    redis.disconnect();
  }
}
