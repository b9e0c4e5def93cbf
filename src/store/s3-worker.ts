/**
 * The worker side of a queued run with an s3:// output (RunContext.publishTo): the worker stages
 * the run in a folder of its own, and each source job returns only after what it finished (and any
 * part the worker committed meanwhile) is published, so a completed job is in the bucket (a job
 * redelivered after its record was written publishes that record again). The
 * run's pack job only marks that every source is done: the coordinator reduces (s3-queue.ts).
 */
import type { QueueTasks, RunContext } from '../executors/bullmq-worker.js';
import type { S3Output } from './s3-output.js';
import { WORKER_PULLS } from './s3-layout.js';

export function publishingTasks(tasks: QueueTasks): QueueTasks {
  const outputs = new WeakMap<RunContext, Promise<S3Output>>();
  const outputOf = (run: RunContext, uri: string): Promise<S3Output> => {
    let out = outputs.get(run);
    if (!out) outputs.set(run, (out = openStaging(run, uri)));
    // A failed start is tried again by the next job.
    out.catch(() => outputs.delete(run));
    return out;
  };
  return {
    // Parts are committed only for runs into a shared folder (into S3 the coordinator commits them).
    collector: tasks.collector && ((run, owns) => tasks.collector!(run, owns)),
    async source(source, run, signal) {
      if (!run.publishTo) return tasks.source(source, run, signal);
      const out = await outputOf(run, run.publishTo);
      const record = await tasks.source(source, run, signal);
      await out.publishChanges([out.recordRel(record.id)]);
      return record;
    },
    async redelivered(record, run) {
      await tasks.redelivered?.(record, run);
      // Its worker may have died between writing the record and publishing it.
      if (!run.publishTo) return;
      const out = await outputOf(run, run.publishTo);
      await out.publishChanges([out.recordRel(record.id)]);
    },
    async pack(run) {
      if (!run.publishTo) return tasks.pack(run);
      await (await outputOf(run, run.publishTo)).publishChanges();
      return {};
    },
  };
}

/** The run's staging folder, made and given the takedown list from the bucket before the first source. */
async function openStaging(run: RunContext, uri: string): Promise<S3Output> {
  // Loaded on first use: the S3 SDK is large and most runs never touch a bucket.
  const { S3Output } = await import('./s3-output.js');
  const out = new S3Output(uri, run.out.root);
  await run.out.prepare();
  await out.pullFiles(WORKER_PULLS);
  return out;
}
