/**
 * Plan: the source's clips from its shots (or from a dataset's own spans), in frame order. Shots
 * too short are recorded as dropped; long ones are split; preset spans keep their caption and ids.
 */
import { roundFps, roundTime } from '../../schema/numbers.js';
import { clipId } from '../../segment/ids.js';
import { planClips, planPresetClips, type ClipSpan } from '../../segment/plan.js';
import type { ClipRecord, PresetSpan, Source } from '../../types.js';
import type { RunConfig } from '../../config/schema.js';
import type { Analysis } from '../analyse.js';
import { dropClip, type SourceStage } from '../stage.js';
import { analysed, probed, sectionStart } from './work.js';

export const planStage: SourceStage = {
  name: 'plan',
  description: 'clips from the shots (min/max length; a preset\'s own spans instead when it has them)',
  timing: 'extract',
  async run(work) {
    const probe = probed(work, this.name);
    const spans = plannedSpans(work.source, analysed(work, this.name), work.cfg, sectionStart(work));
    const seen = new Set<string>();
    for (const span of spans) {
      const clip: ClipRecord = {
        clipId: clipId(work.source.id, span.startFrame, span.endFrame),
        startFrame: span.startFrame,
        endFrame: span.endFrame,
        startTime: roundTime(span.startTime),
        endTime: roundTime(span.endTime),
        duration: roundTime(span.endTime - span.startTime),
        status: 'kept',
        fps: roundFps(probe.video.fps),
        caption: span.caption,
        metadata: span.metadata,
      };
      // Two empty preset spans can map to the same frame; the index keeps one row per clip id.
      if (seen.has(clip.clipId)) continue;
      seen.add(clip.clipId);
      work.record.clips.push(clip);
      if (span.dropReason) dropClip(clip, span.dropReason);
    }
  },
};

interface PlannedSpan extends ClipSpan {
  dropReason?: string;
  caption?: string;
  metadata?: Record<string, unknown>;
}

/** Kept and dropped spans of a source in frame order: from its shots, or from the dataset's own spans. */
function plannedSpans(source: Source, analysis: Analysis, cfg: RunConfig, sectionStart: number): PlannedSpan[] {
  let spans: PlannedSpan[];
  if (source.spans) {
    const plan = planPresetClips(shiftSpans(source.spans, sectionStart), analysis.times);
    spans = [
      ...plan.clips.map(({ span, ...frames }) => ({
        ...frames,
        caption: span.caption,
        metadata: span.datasetClipId || span.metadata ? { dataset_clip_id: span.datasetClipId, ...span.metadata } : undefined,
      })),
      ...plan.dropped.map(({ reason, ...frames }) => ({ ...frames, dropReason: reason })),
    ];
  } else {
    const plan = planClips(analysis.shots, analysis.times, cfg.segment);
    spans = [...plan.clips, ...plan.dropped.map(({ reason, ...frames }) => ({ ...frames, dropReason: reason }))];
  }
  return spans.sort((a, b) => a.startFrame - b.startFrame || a.endFrame - b.endFrame);
}

/** Dataset spans are times in the original video; the fetched file may start later. */
function shiftSpans(spans: PresetSpan[], offset: number): PresetSpan[] {
  if (!offset) return spans;
  return spans.map((s) => ({ ...s, start: Math.max(0, s.start - offset), end: s.end - offset }));
}
