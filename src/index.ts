/**
 * clipmill as a library: `import { run, inspect, pack, stages, filters } from 'clipmill'`.
 * The command line is a thin consumer of these same functions.
 */
export { run, type RunOptions, type RunReport, type RunSettings } from './api/run.js';
export { inspect, type InspectOptions, type InspectResult } from './api/inspect.js';
export { pack } from './api/pack.js';
export type { PackOutcome } from './pipeline/pack-step.js';
export { RunProgress, type ProgressCounts } from './cli/progress.js';
export { RunConfig, defaultConfig } from './config/schema.js';
export { FatalError, SourceError, ErrorCode } from './errors.js';
export type {
  ClipRecord, ClipStatus, FetchResult, PresetSpan, ProbeInfo, RowError, Shot, Source, SourceKind, SourceOrigin, SourceRecord,
  SourceStatus, Transition,
} from './types.js';
