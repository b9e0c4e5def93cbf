/**
 * The built-in per-source stages and the default list a run uses. A program changes the list in
 * a few lines (see examples/): insert a filter stage, append an annotator, drop a stage.
 */
import type { RunConfig } from '../../config/schema.js';
import { qualityFilters } from '../../filters/judge.js';
import { annotateStage } from '../annotator.js';
import type { SourceStage } from '../stage.js';
import { admitStage } from './admit.js';
import { analyseStage } from './analyse.js';
import { describeStage } from './describe.js';
import { extractStage } from './extract.js';
import { fetchStage } from './fetch.js';
import { filterStage } from './filter.js';
import { measureStage } from './measure.js';
import { planStage } from './plan.js';
import { probeStage } from './probe.js';
import { safetyAnnotator } from './safety.js';

export { admitStage, analyseStage, describeStage, extractStage, fetchStage, filterStage, measureStage, planStage, probeStage, safetyAnnotator };
export { annotateStage, type Annotation, type ClipAnnotator } from '../annotator.js';
export { dropClip, explainStages, keptClips, type SourceStage, type SourceWork, type StageContext } from '../stage.js';
export type { FilterStageOptions } from './filter.js';

/** The quality filters with the run's thresholds (config `filter`; `extract.cropBars` turns the letterbox filter off). */
const qualityFilterStage = (name: string, description: string): SourceStage =>
  filterStage({ name, description, timing: 'extract', filters: (work) => qualityFilters(work.cfg.filter, { cropBars: work.cfg.extract.cropBars }) });

/** The stages of a run with `cfg`, in order: admit → fetch → probe → analyse → plan → measure → filter → [safety] → extract → describe. */
export function defaultStages(cfg: RunConfig): SourceStage[] {
  return [
    admitStage,
    fetchStage,
    probeStage,
    analyseStage,
    planStage,
    measureStage,
    qualityFilterStage('quality', `quality filters, first drop wins: ${qualityFilterNames(cfg)} (thresholds: config filter)`),
    ...(cfg.filter.safety
      ? [annotateStage(safetyAnnotator, { timing: 'extract' }), qualityFilterStage('unsafe', 'the quality filters again, now with the nsfw score (drops unsafe clips)')]
      : []),
    extractStage,
    describeStage(cfg),
  ];
}

/** The quality filters' names in order, each once (two rules make up `blurry`: sharpness and edge sharpness). */
const qualityFilterNames = (cfg: RunConfig): string =>
  [...new Set(qualityFilters(cfg.filter, { cropBars: cfg.extract.cropBars }).map((f) => f.name))].join(', ');
