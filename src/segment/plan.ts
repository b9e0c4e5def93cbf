/**
 * Clip planning: shots (or a dataset's preset spans) become clip spans within the configured
 * length limits. Long shots are split into near-equal pieces; spans that cannot make a clip are
 * returned as dropped with a reason, so the caller can record them.
 */
import type { FrameTimes } from '../media/frame-times.js';
import type { PresetSpan, Shot } from '../types.js';

export interface ClipSpan {
  startFrame: number;
  /** Inclusive. */
  endFrame: number;
  startTime: number;
  /** Exclusive: the time of the first frame after the clip. */
  endTime: number;
}

export interface DroppedSpan extends ClipSpan {
  /** `<rule>: <measured value>`, e.g. `too_short: 1.20s`. */
  reason: string;
}

export interface ClipPlan<T extends ClipSpan = ClipSpan> {
  clips: T[];
  dropped: DroppedSpan[];
}

export interface ClipLimits {
  minClipSec: number;
  maxClipSec: number;
}

function spanOf(times: FrameTimes, startFrame: number, endFrame: number): ClipSpan {
  return { startFrame, endFrame, startTime: times.at(startFrame), endTime: times.endOf(endFrame) };
}

const duration = (s: ClipSpan) => s.endTime - s.startTime;
const seconds = (s: number) => `${s.toFixed(2)}s`;

/** First frame whose time is at or after `t` (times.length when none). */
function firstFrameAtOrAfter(times: FrameTimes, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times.at(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Splits [startFrame, endFrame] at frame times near start + k·pieceSec, never letting a piece
 * run past `maxSec` (frame times need not fall on the even split).
 */
function split(times: FrameTimes, startFrame: number, endFrame: number, pieceSec: number, maxSec: number): ClipSpan[] {
  const start = times.at(startFrame);
  const out: ClipSpan[] = [];
  let from = startFrame;
  for (let k = 1; from <= endFrame; k++) {
    const even = firstFrameAtOrAfter(times, start + k * pieceSec - 1e-6);
    const latest = times.at(from) + maxSec + 1e-6;
    // The last frame that may start the next piece; the shot's end counts when its end time fits.
    let limit = firstFrameAtOrAfter(times, latest) - 1;
    if (limit >= endFrame && times.endOf(endFrame) <= latest) limit = endFrame + 1;
    const next = Math.max(from + 1, Math.min(even, limit, endFrame + 1));
    out.push(spanOf(times, from, next - 1));
    from = next;
  }
  return out;
}

/**
 * Clips for one shot: n = ceil(d/max) near-equal pieces. When those would be shorter than the
 * minimum (possible only when max < 2·min), no split fits both limits: pieces of the maximum
 * length are taken and the short remainder is dropped.
 */
function planShot(shot: Shot, times: FrameTimes, limits: ClipLimits, plan: ClipPlan): void {
  const d = duration(spanOf(times, shot.startFrame, shot.endFrame));
  const n = Math.max(1, Math.ceil(d / limits.maxClipSec - 1e-9));
  const pieceSec = d / n >= limits.minClipSec ? d / n : limits.maxClipSec;
  for (const span of split(times, shot.startFrame, shot.endFrame, pieceSec, limits.maxClipSec)) {
    const len = duration(span);
    if (len < limits.minClipSec - 1e-6) plan.dropped.push({ ...span, reason: `too_short: ${seconds(len)}` });
    else plan.clips.push(span);
  }
}

export function planClips(shots: Shot[], times: FrameTimes, limits: ClipLimits): ClipPlan {
  if (!(limits.minClipSec <= limits.maxClipSec)) throw new RangeError('minClipSec must not exceed maxClipSec');
  const plan: ClipPlan = { clips: [], dropped: [] };
  for (const shot of shots) planShot(shot, times, limits, plan);
  return plan;
}

export interface PresetClipSpan extends ClipSpan {
  span: PresetSpan;
}

/**
 * Preset spans (seconds) as frame ranges: from the first frame at or after `start` to the last
 * frame that begins before `end`. A span holding no frame is dropped.
 */
export function planPresetClips(spans: PresetSpan[], times: FrameTimes): ClipPlan<PresetClipSpan> {
  const plan: ClipPlan<PresetClipSpan> = { clips: [], dropped: [] };
  // Half a millisecond absorbs rounding between a dataset's seconds and the container's timestamps.
  const eps = 5e-4;
  for (const span of spans) {
    const startFrame = firstFrameAtOrAfter(times, span.start - eps);
    const endFrame = firstFrameAtOrAfter(times, span.end - eps) - 1;
    if (times.length === 0 || startFrame >= times.length || endFrame < startFrame) {
      const at = Math.min(startFrame, Math.max(0, times.length - 1));
      plan.dropped.push({
        startFrame: at,
        endFrame: at,
        startTime: span.start,
        endTime: span.end,
        reason: `empty_span: ${seconds(span.start)}-${seconds(span.end)}`,
      });
      continue;
    }
    plan.clips.push({ ...spanOf(times, startFrame, endFrame), span });
  }
  return plan;
}
