/**
 * The real work of a `clipmill worker`: source jobs run the per-source task with the run's
 * settings and a host gate shared through Redis, and their finished sources are committed in parts
 * by this worker; the pack job runs the pack step, as a local run does.
 */
import type { Redis } from 'ioredis';
import type { FetchAccess } from '../fetch/index.js';
import { RedisHostGate } from '../fetch/redis-gate.js';
import { loadPolicyContext } from '../policy/context.js';
import type { PolicyContext } from '../policy/policy.js';
import { packRun } from '../pipeline/pack-step.js';
import { partWriterOptions } from '../pipeline/parts.js';
import { processSource } from '../pipeline/task.js';
import { PartCollector } from '../pack/part-writer.js';
import type { RunConfig } from '../config/schema.js';
import type { SourceStage } from '../pipeline/stage.js';
import { defaultStages } from '../pipeline/stages/index.js';
import type { QueueTasks, RunContext } from './bullmq-worker.js';

export interface PipelineTaskOptions {
  /** Connection for the shared host gate. */
  redis: Redis;
  hwaccel?: 'cuda';
  /** This worker's own --allow-local folders (and networks): never taken from the queue. */
  access: FetchAccess;
  /** The per-source stages for a run's config (default: defaultStages). */
  stages?: (cfg: RunConfig) => readonly SourceStage[];
}

export function pipelineTasks(opts: PipelineTaskOptions): QueueTasks {
  // Loaded once per run (and again when the run's settings change), like a local run does at start.
  const policies = new WeakMap<RunContext, Promise<PolicyContext>>();
  const policyOf = (run: RunContext): Promise<PolicyContext> => {
    let p = policies.get(run);
    if (!p) policies.set(run, (p = loadPolicyContext(run.cfg.policy, run.out.root)));
    return p;
  };
  // One stage list per run in this worker, so a stage's shared state (the caption limit) covers all its tasks.
  const stageLists = new WeakMap<RunContext, readonly SourceStage[]>();
  const stagesOf = (run: RunContext): readonly SourceStage[] => {
    let list = stageLists.get(run);
    if (!list) stageLists.set(run, (list = opts.stages?.(run.cfg) ?? defaultStages(run.cfg)));
    return list;
  };
  return {
    // This worker's finished sources of the run go into its own parts.
    collector: (run, owns) => new PartCollector(run.out, { ...partWriterOptions(run.out, run.cfg), owns }),
    async source(source, run, signal) {
      const gate = new RedisHostGate(opts.redis, { concurrency: run.cfg.fetch.perHostConcurrency, rps: run.cfg.fetch.perHostRps });
      return processSource(source, { out: run.out, cfg: run.cfg, gate, policy: await policyOf(run), access: opts.access, hwaccel: opts.hwaccel, signal, stages: stagesOf(run) });
    },
    async pack(run) {
      const times = { startedAt: run.enqueuedAt ?? new Date().toISOString(), finishedAt: new Date().toISOString() };
      return packRun(run.out.root, run.cfg, times);
    },
  };
}
