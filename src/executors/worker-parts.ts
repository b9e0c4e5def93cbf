/**
 * When a queue worker commits the sources it finished (QueueTasks.stage / flush) and how its
 * run's pack job knows every worker has: the worker holds a lease on a run (part-leases.ts) from
 * its first staged source until a flush leaves nothing of that run staged or committing. It
 * flushes a run once none of its jobs has run here for `idleMs`, when the run's pack job comes to
 * it, and when it stops. The pack job flushes its own worker, then waits for the other workers'
 * leases to be released or to lapse (a killed worker's) before the reduce sweeps.
 */
import type { SourceRecord } from '../types.js';
import type { QueueTasks, RunContext } from './bullmq-worker.js';
import type { PartLeases } from './part-leases.js';

interface RunParts {
  /** The run's contexts this worker staged into (a run re-enqueued with other settings gets a new one). */
  contexts: Set<RunContext>;
  running: number;
  /** Bumped by every stage, so a flush knows whether something was staged while it ran. */
  staged: number;
  timer?: NodeJS.Timeout;
}

export class WorkerParts {
  private readonly runs = new Map<string, RunParts>();

  constructor(
    readonly tasks: Pick<QueueTasks, 'stage' | 'flush'>,
    readonly leases: PartLeases,
    readonly idleMs: number,
    readonly log: (message: string) => void,
  ) {}

  private of(runId: string): RunParts {
    let parts = this.runs.get(runId);
    if (!parts) this.runs.set(runId, (parts = { contexts: new Set(), running: 0, staged: 0 }));
    return parts;
  }

  jobStarted(runId: string): void {
    const parts = this.of(runId);
    parts.running++;
    clearTimeout(parts.timer);
  }

  /** Stages a finished source of a job that is still running (so the pack job cannot have started). */
  async stage(record: SourceRecord, run: RunContext): Promise<void> {
    if (!this.tasks.stage) return;
    const parts = this.of(run.runId);
    parts.staged++;
    parts.contexts.add(run);
    await this.leases.hold(run.runId);
    await this.tasks.stage(record, run);
  }

  jobEnded(runId: string): void {
    const parts = this.of(runId);
    parts.running--;
    if (parts.running > 0) return;
    if (parts.contexts.size === 0) {
      this.runs.delete(runId);
      return;
    }
    clearTimeout(parts.timer);
    parts.timer = setTimeout(() => {
      this.flush(runId).catch((err: Error) => this.log(`committing the finished sources of run ${runId} failed (the pack step's sweep commits them): ${err.message}`));
    }, this.idleMs);
  }

  /** Commits what this worker staged for the run; releases its lease unless something was staged meanwhile. */
  async flush(runId: string): Promise<void> {
    const parts = this.runs.get(runId);
    if (!parts || parts.contexts.size === 0) return;
    clearTimeout(parts.timer);
    const stagedBefore = parts.staged;
    try {
      for (const run of [...parts.contexts]) await this.tasks.flush?.(run);
    } finally {
      // Also after a failed commit: its sources keep their markers, and the pack job must not wait for us.
      if (parts.staged === stagedBefore && parts.running === 0) {
        this.runs.delete(runId);
        await this.leases.release(runId);
      }
    }
  }

  /** Before a run's pack step: this worker's part of it committed, every other worker's too (or its lease lapsed). */
  async settle(runId: string, signal?: AbortSignal): Promise<void> {
    await this.flush(runId);
    await this.leases.othersDone(runId, signal);
  }

  /** On stopping: every run's staged sources committed. */
  async close(): Promise<void> {
    for (const runId of [...this.runs.keys()]) await this.flush(runId);
    this.leases.stop();
  }
}
