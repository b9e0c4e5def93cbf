/** Cancelling a queued run (`clipmill cancel`). */
import { FatalError } from '../errors.js';
import { openRedis, runKey } from './redis.js';

/**
 * Cancels a run: workers skip its remaining jobs, stop its running ones (their sources stay
 * unrecorded) and do not pack. Enqueueing the run again resumes it.
 */
export async function cancelRun(queueUrl: string, runId: string): Promise<void> {
  const redis = openRedis(queueUrl);
  try {
    if (!(await redis.exists(runKey(runId)))) throw new FatalError(`no run ${runId} in ${queueUrl}`);
    await redis.hset(runKey(runId), { state: 'cancelled', cancelledAt: new Date().toISOString() });
  } finally {
    redis.disconnect();
  }
}
