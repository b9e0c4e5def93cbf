/**
 * When a queue worker commits the sources it finished (in parts, by a PartCollector per run) and
 * how its run's pack job knows every worker has: the worker holds a lease on a run
 * (part-leases.ts) from its first staged source until a flush leaves nothing of that run staged
 * or committing. It flushes a run once none of its jobs has run here for `idleMs`, when the run's
 * pack job comes to it, and when it stops. The pack job flushes its own worker, then waits for the
 * other workers' leases to be released or to lapse (a killed worker's) before the reduce sweeps.
 * A lease found lapsed (the worker was frozen or cut off) takes its staged sources with it: they
 * are dropped uncommitted, a commit under way gives up before its manifest, and the sweep commits
 * them from their markers.
 */
import type { PartCollector } from '../pack/part-writer.js';
import type { SourceRecord } from '../types.js';
import type { QueueTasks, RunContext } from './bullmq-worker.js';
import type { PartLeases } from './part-leases.js';

interface RunParts {
  /** A collector per context of the run staged into under the current lease (a run re-enqueued with other settings gets a new context). */
  collectors: Map<RunContext, PartCollector>;
  running: number;
  /** Bumped by every stage, so a flush knows whether something was staged while it ran. */
  staged: number;
  timer?: NodeJS.Timeout;
}

export class WorkerParts {
  private readonly runs = new Map<string, RunParts>();

  constructor(
    readonly tasks: Pick<QueueTasks, 'collector'>,
    readonly leases: PartLeases,
    readonly idleMs: number,
    readonly log: (message: string) => void,
  ) {
    leases.onLost = (runId) => this.drop(runId);
  }

  private of(runId: string): RunParts {
    let parts = this.runs.get(runId);
    if (!parts) this.runs.set(runId, (parts = { collectors: new Map(), running: 0, staged: 0 }));
    return parts;
  }

  jobStarted(runId: string): void {
    const parts = this.of(runId);
    parts.running++;
    clearTimeout(parts.timer);
  }

  /** Stages a finished source of a job that is still running (so the pack job cannot have started). */
  async stage(record: SourceRecord, run: RunContext): Promise<void> {
    if (!this.tasks.collector) return;
    const parts = this.of(run.runId);
    parts.staged++;
    // A lease found lapsed is not renewed: what was staged under it is dropped (onLost), this source goes under a new one.
    if (!(await this.leases.renew(run.runId))) await this.leases.take(run.runId);
    let collector = parts.collectors.get(run);
    if (!collector) parts.collectors.set(run, (collector = this.tasks.collector(run, () => this.leases.renew(run.runId))));
    await collector.add(record);
  }

  /** The run's lease lapsed while this worker held it: its staged sources are the sweep's now. */
  private drop(runId: string): void {
    const parts = this.runs.get(runId);
    if (!parts || parts.collectors.size === 0) return;
    for (const collector of parts.collectors.values()) collector.drop();
    parts.collectors.clear();
    this.log(`the part lease on run ${runId} lapsed: its staged sources are left to the pack step's sweep`);
  }

  jobEnded(runId: string): void {
    const parts = this.of(runId);
    parts.running--;
    if (parts.running > 0) return;
    if (parts.collectors.size === 0) {
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
    if (!parts) return;
    clearTimeout(parts.timer);
    const stagedBefore = parts.staged;
    try {
      for (const collector of [...parts.collectors.values()]) await collector.flush();
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
