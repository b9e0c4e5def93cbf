/**
 * From shots (or a dataset's own spans) to clip records: plan spans, measure and filter each one,
 * then write only the kept clips, in one extraction pass over the source.
 */
import path from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { clipSafetyScores } from '../analysis/safety-clips.js';
import { sourceSignals } from '../analysis/signals.js';
import { cropFor, judgeClip } from '../filters/judge.js';
import { analysisSize } from '../media/frames.js';
import { isInterlaced } from '../media/probe.js';
import { extractClips, type ExtractSpan } from '../media/extract.js';
import { clipId } from '../segment/ids.js';
import { planClips, planPresetClips, type ClipSpan } from '../segment/plan.js';
import type { ClipRecord, PresetSpan, ProbeInfo, Source } from '../types.js';
import type { Analysis } from './analyse.js';

export interface BuildClipsOptions {
  cfg: RunConfig;
  /** Where in the original video the fetched file starts (yt-dlp downloads only the needed section). */
  sectionStart?: number;
  outDir: string;
  clipsDirRel: string;
  hwaccel?: 'cuda';
  signal?: AbortSignal;
}

export async function buildClips(
  source: Source,
  file: string,
  probe: ProbeInfo,
  analysis: Analysis,
  opts: BuildClipsOptions,
): Promise<ClipRecord[]> {
  const { cfg } = opts;
  const spans = plannedSpans(source, analysis, cfg, opts.sectionStart ?? 0);
  const clips: ClipRecord[] = [];
  let toExtract: ExtractSpan[] = [];
  const seen = new Set<string>();
  for (const span of spans) {
    const clip: ClipRecord = {
      clipId: clipId(source.id, span.startFrame, span.endFrame),
      startFrame: span.startFrame,
      endFrame: span.endFrame,
      startTime: span.startTime,
      endTime: span.endTime,
      duration: span.endTime - span.startTime,
      status: 'kept',
      fps: probe.video.fps,
      caption: span.caption,
      metadata: span.metadata,
    };
    // Two empty preset spans can map to the same frame; the index keeps one row per clip id.
    if (seen.has(clip.clipId)) continue;
    seen.add(clip.clipId);
    clips.push(clip);
    if (span.dropReason) {
      drop(clip, span.dropReason);
      continue;
    }
    clip.signals = { ...analysis.signals.clipSignals(span.startFrame, span.endFrame), ...sourceSignals(probe) };
    clip.signature = analysis.signals.clipSignature(span.startFrame, span.endFrame);
    const verdict = judgeClip(clip.signals, cfg.filter, { cropBars: cfg.extract.cropBars });
    if (!verdict.keep) {
      drop(clip, verdict.reason);
      continue;
    }
    toExtract.push({
      clipId: clip.clipId,
      startFrame: clip.startFrame,
      endFrame: clip.endFrame,
      startTime: clip.startTime,
      endTime: clip.endTime,
      crop: cfg.extract.cropBars ? cropFor(clip.signals) : undefined,
    });
  }

  if (cfg.filter.safety && toExtract.length > 0) {
    toExtract = await dropUnsafe(toExtract, clips, file, probe, opts);
  }

  if (toExtract.length > 0) {
    const absDir = path.join(opts.outDir, opts.clipsDirRel);
    const written = await extractClips(file, probe, toExtract, absDir, cfg.extract, {
      signal: opts.signal,
      hwaccel: opts.hwaccel,
    });
    const byId = new Map(written.map((w) => [w.clipId, w]));
    for (const clip of clips) {
      const w = byId.get(clip.clipId);
      if (!w) continue;
      Object.assign(clip, {
        file: path.join(opts.clipsDirRel, path.basename(w.file)),
        bytes: w.bytes,
        width: w.width,
        height: w.height,
        fps: w.fps,
        snappedToKeyframes: w.snappedToKeyframes || undefined,
      });
      if (w.reencodedBecause) clip.metadata = { ...clip.metadata, stream_copy_fallback: `re-encoded: ${w.reencodedBecause}` };
      if (w.snappedToKeyframes) {
        clip.startTime = w.startTime;
        clip.endTime = w.endTime;
        clip.duration = w.endTime - w.startTime;
      }
    }
  }
  if (opts.sectionStart) toOriginalTimeline(clips, opts.sectionStart);
  return clips;
}

/**
 * A section download starts `offset` seconds into the original video: clip times are moved back
 * onto the original's timeline (frames still count from the start of the downloaded section).
 */
function toOriginalTimeline(clips: ClipRecord[], offset: number): void {
  for (const clip of clips) {
    clip.startTime += offset;
    clip.endTime += offset;
    clip.metadata = { ...clip.metadata, section_start: offset };
  }
}

/**
 * The optional safety filter: clips that passed the other filters are scored by the bundled
 * model (a second decode of the kept spans only), and unsafe ones are dropped before encoding.
 */
async function dropUnsafe(spans: ExtractSpan[], clips: ClipRecord[], file: string, probe: ProbeInfo, opts: BuildClipsOptions): Promise<ExtractSpan[]> {
  const { cfg } = opts;
  const size = analysisSize(probe.video.width, probe.video.height, cfg.segment.analysisWidth);
  const scores = await clipSafetyScores(file, spans, { ...size, hwaccel: opts.hwaccel, deinterlace: isInterlaced(probe), signal: opts.signal });
  const byId = new Map(clips.map((c) => [c.clipId, c]));
  return spans.filter((span, i) => {
    const clip = byId.get(span.clipId)!;
    clip.signals = { ...clip.signals, nsfw: scores[i].nsfw };
    const verdict = judgeClip(clip.signals, cfg.filter, { cropBars: cfg.extract.cropBars });
    if (!verdict.keep) drop(clip, verdict.reason);
    return verdict.keep;
  });
}

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

function drop(clip: ClipRecord, reason: string): void {
  clip.status = 'dropped';
  clip.reason = reason;
}
