/**
 * Where metrics hear about finished sources: a local run's progress (every record passes through
 * it) and a worker's source task (its result is the record). Both wrap the original unchanged.
 */
import { RunProgress } from '../cli/progress.js';
import type { QueueTasks } from '../executors/bullmq-worker.js';
import type { SourceRecord } from '../types.js';
import type { PipelineMetrics } from './pipeline-metrics.js';

/** Run progress that also counts each finished source into the metrics. */
export class MeteredProgress extends RunProgress {
  constructor(private readonly metrics: PipelineMetrics) {
    super();
  }

  override finished(record: SourceRecord): void {
    super.finished(record);
    this.metrics.observe(record);
  }
}

/** The worker's tasks, with every source task's record counted into the metrics. */
export function meteredTasks(tasks: QueueTasks, metrics: PipelineMetrics): QueueTasks {
  return {
    ...tasks,
    async source(source, run, signal) {
      const record = await tasks.source(source, run, signal);
      metrics.observe(record);
      return record;
    },
  };
}
