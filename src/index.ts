/**
 * clipmill as a library: `import { run, inspect, pack, stages, filters } from 'clipmill'`.
 * The command line is a thin consumer of these same functions.
 */
export { run, planRun, type RunOptions, type RunReport, type RunSettings } from './api/run.js';
export type { Executor, ExecutorResult, ExecutorRun } from './executors/executor.js';
export { localExecutor } from './pipeline/run.js';
export { startWorker, type Worker, type WorkerOptions } from './api/worker.js';
export { inspect, type InspectOptions, type InspectResult } from './api/inspect.js';
export { pack } from './api/pack.js';
export type { PackOutcome } from './pipeline/pack-step.js';
export * as stages from './pipeline/stages/index.js';
export { defaultStages } from './pipeline/stages/index.js';
export * as filters from './filters/index.js';
export type { SourceStage, SourceWork, StageContext } from './pipeline/stage.js';
export type { ClipAnnotator, Annotation } from './pipeline/annotator.js';
export type { ClipFilter, Verdict } from './filters/filter.js';
export type { CustomSignals, MeasuredSignal, SignalName, Signals } from './schema/signals.js';
export { WebDatasetWriter } from './pack/shards.js';
export type { SampleWriter, ShardInput, WriterFactory, WriterOptions, WrittenShard } from './pack/writer.js';
export type { ClipRow } from './pack/rows.js';
export { CLIP_COLUMNS } from './schema/clip-columns.js';
export { RunProgress, type ProgressCounts } from './cli/progress.js';
export { RunConfig, defaultConfig } from './config/schema.js';
export { FatalError, SourceError, ErrorCode } from './errors.js';
export type {
  ClipRecord, ClipStatus, DroppedClip, KeptClip, FetchResult, PresetSpan, ProbeInfo, RowError, Shot, Source, SourceKind, SourceOrigin, SourceRecord,
  SourceStatus, Transition,
} from './types.js';
