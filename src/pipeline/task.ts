/**
 * The per-source task, the unit of work and of resume: a runner over a declared list of stages
 * (by default admit → fetch → probe → analyse → plan → measure → filter → extract, see
 * stages/index.ts). It always ends by writing exactly one record.
 */
import { rm } from 'node:fs/promises';
import { describeError, ErrorCode, FatalError, SourceError } from '../errors.js';
import type { Source, SourceRecord } from '../types.js';
import type { SourceStage, SourceWork, StageContext } from './stage.js';
import { defaultStages } from './stages/index.js';
import { removeClipFiles } from './stages/work.js';
import { unwritableRecord } from '../store/output.js';
import { markPending } from '../pack/part-markers.js';

export interface TaskContext extends StageContext {
  /** The stages to run (default: defaultStages(cfg)). */
  stages?: readonly SourceStage[];
}

/** Seconds since `t0` (from performance.now()), rounded to milliseconds. */
function since(t0: number): number {
  return Math.round(performance.now() - t0) / 1000;
}

function diskFull(outDir: string): FatalError {
  return new FatalError(
    `The output disk is full (${outDir}). Free some space and run the same command again: ` +
      'finished sources are kept, and the source being processed is redone.',
  );
}

export async function processSource(source: Source, ctx: TaskContext): Promise<SourceRecord> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const record: SourceRecord = {
    version: 1,
    id: source.id,
    uri: source.uri,
    kind: source.kind,
    status: 'done',
    origin: source.origin,
    metadata: source.metadata,
    license: source.license,
    clips: [],
    timings,
    startedAt,
    finishedAt: startedAt,
  };
  const { stages = defaultStages(ctx.cfg), ...run } = ctx;
  const work: SourceWork = { ...run, source, record, workDir: ctx.out.workDir(source.id), clipsDirRel: ctx.out.clipsDirRel(source.id) };
  try {
    for (const stage of stages) {
      const t = performance.now();
      await stage.run(work);
      const key = stage.timing ?? stage.name;
      if (key !== false) timings[key] = Math.round(((timings[key] ?? 0) + since(t)) * 1000) / 1000;
      if (work.settled) break;
    }
  } catch (err) {
    // Cancelled, or a problem of the run rather than of this source (a missing tool): nothing to record.
    if (ctx.signal?.aborted || err instanceof FatalError) throw err;
    await removeClipFiles(work);
    const { code, message } = describeError(err);
    // Every later source would fail the same way, and a record would mark this one as finished.
    if (code === ErrorCode.DiskFull) throw diskFull(ctx.out.root);
    record.status = code.startsWith('refused_') ? 'refused' : 'failed';
    // An unexpected error is ours, not the source's: a later run tries the source again.
    record.error = { code, message, transient: err instanceof SourceError ? err.transient : true };
    record.clips = [];
  } finally {
    await rm(work.workDir, { recursive: true, force: true });
  }
  timings.total = since(t0);
  record.finishedAt = new Date().toISOString();
  try {
    // Before the record: a finished source stays marked until a committed part holds it (part-writer.ts).
    await markPending(ctx.out.root, record.id);
    await ctx.out.writeRecord(record);
  } catch (err) {
    if (describeError(err).code === ErrorCode.DiskFull) throw diskFull(ctx.out.root);
    // What the source brought cannot be stored (e.g. metadata the JSON writer chokes on): record
    // that, without it, so the run and every rerun go on.
    await removeClipFiles(work);
    const failed = unwritableRecord(record, err);
    await ctx.out.writeRecord(failed);
    return failed;
  }
  return record;
}
