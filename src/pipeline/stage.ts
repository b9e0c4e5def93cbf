/**
 * A per-source stage: one step of the per-source task (admit, fetch, probe, analyse, plan,
 * measure, filter, annotate, extract). The task runs a declared list of them in order over one
 * source's work, so the list can be printed (`clipmill run --explain`) and changed by a program.
 */
import type { RunConfig } from '../config/schema.js';
import type { HostGate } from '../fetch/politeness.js';
import type { FetchAccess } from '../fetch/index.js';
import type { PolicyContext } from '../policy/policy.js';
import type { OutputDir } from '../store/output.js';
import type { ClipRecord, FetchResult, Source, SourceRecord } from '../types.js';
import type { Analysis } from './analyse.js';

/** The run-wide things a stage may use. */
export interface StageContext {
  out: OutputDir;
  cfg: RunConfig;
  gate: HostGate;
  policy: PolicyContext;
  /** Local folders and networks this machine's user allowed (none of either by default). */
  access?: FetchAccess;
  hwaccel?: 'cuda';
  signal?: AbortSignal;
}

/** One source in the making: its record (filled stage by stage) and what earlier stages produced. */
export interface SourceWork extends StageContext {
  readonly source: Source;
  /** Becomes the source's record (`sources/<id[0:2]>/<id>.json`) when the last stage has run (or one has failed). */
  readonly record: SourceRecord;
  /** Scratch folder of this source (the download); removed when the task ends. */
  readonly workDir: string;
  /** The source's clip files, relative to the output root. */
  readonly clipsDirRel: string;
  /** Set by the fetch stage. */
  fetched?: FetchResult;
  /** Set by the analyse stage. */
  analysis?: Analysis;
  /** Set by a stage that settles the source early (refused at admission): later stages do not run. */
  settled?: boolean;
}

export interface SourceStage {
  readonly name: string;
  /** One line for `clipmill run --explain`. */
  readonly description: string;
  /** Key in the record's `timings` this stage's seconds add to (default: its name; false: not timed). */
  readonly timing?: string | false;
  run(work: SourceWork): Promise<void>;
}

/** The clips of a source that are still kept. */
export const keptClips = (work: SourceWork): ClipRecord[] => work.record.clips.filter((c) => c.status === 'kept');

/** Turns a clip into a dropped one with its reason (a written clip's file goes first: see the filter stage). */
export function dropClip(clip: ClipRecord, reason: string): void {
  Object.assign(clip, { status: 'dropped', reason });
}

/** The stage list, one line each, as `clipmill run --explain` prints it. */
export function explainStages(stages: readonly SourceStage[]): string {
  const width = Math.max(...stages.map((s) => s.name.length));
  return stages.map((s, i) => `${String(i + 1).padStart(2)}. ${s.name.padEnd(width)}  ${s.description}`).join('\n');
}
