/**
 * Clip-level verdicts: signals in, keep or drop with a reason out. A reason names the filter and
 * the measured value against its threshold, e.g. `static: relative_motion=0.05 < 0.2`, so a dropped
 * clip in the index says exactly why. Filters run in a fixed order, most specific first (a black
 * clip is reported as `single_color`, not as `static`).
 */
import type { FilterConfig } from '../config/schema.js';
import type { SignalName, Signals } from '../schema/signals.js';
import { firstDrop, type ClipFilter, type Verdict } from './filter.js';
import { barShare, LetterboxFilter } from './letterbox.js';
import { ThresholdFilter } from './threshold.js';

export type { Verdict };
export { barShare };

export interface Crop {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface Rule {
  filter: string;
  signal: SignalName;
  op: '<' | '>';
  limit: (cfg: FilterConfig) => number;
}

const RULES: Rule[] = [
  { filter: 'single_color', signal: 'single_color_share', op: '>', limit: (c) => c.maxSingleColorShare },
  { filter: 'frozen', signal: 'frozen_share', op: '>', limit: (c) => c.maxFrozenShare },
  { filter: 'static', signal: 'relative_motion', op: '<', limit: (c) => c.minRelativeMotion },
  { filter: 'chaotic', signal: 'motion_mean', op: '>', limit: (c) => c.maxMotion },
  { filter: 'too_dark', signal: 'luma_mean', op: '<', limit: (c) => c.minLuma },
  { filter: 'too_bright', signal: 'luma_mean', op: '>', limit: (c) => c.maxLuma },
  // Two measures of blur, each wrong only towards 'sharp', each for its own kind of picture.
  { filter: 'blurry', signal: 'sharpness', op: '<', limit: (c) => c.minSharpness },
  { filter: 'blurry', signal: 'edge_sharpness', op: '<', limit: (c) => c.minEdgeSharpness },
  // The decoder's quantiser says how coarsely the picture was coded where the codec exports it; bits
  // per pixel judges every codec (an H.264 stream coded at a bit rate reports its PPS's QP 26).
  { filter: 'low_bitrate', signal: 'quantiser', op: '>', limit: (c) => c.maxQuantiser },
  { filter: 'low_bitrate', signal: 'bits_per_pixel', op: '<', limit: (c) => c.minBitsPerPixel },
  // Present only when the safety option is on (the score is costly, so it is measured last).
  { filter: 'unsafe', signal: 'nsfw', op: '>', limit: (c) => c.maxNsfw },
];

/** The built-in quality filters with the thresholds of `cfg`, in the order they are applied. */
export function qualityFilters(cfg: FilterConfig, opts: { cropBars: boolean }): ClipFilter[] {
  const filters: ClipFilter[] = RULES.map((r) => new ThresholdFilter({ name: r.filter, signal: r.signal, op: r.op, limit: r.limit(cfg) }));
  if (!opts.cropBars) filters.push(new LetterboxFilter(cfg.maxBarShare));
  return filters;
}

export function judgeClip(signals: Signals, cfg: FilterConfig, opts: { cropBars: boolean }): Verdict {
  return firstDrop(qualityFilters(cfg, opts), signals);
}

/** Fractions of the width (left, right) and height (top, bottom) to cut away to remove the bars. */
export function cropFor(signals: Signals): Crop {
  const side = (name: 'bar_left' | 'bar_top' | 'bar_right' | 'bar_bottom') => Math.max(0, signals[name] ?? 0);
  return { left: side('bar_left'), top: side('bar_top'), right: side('bar_right'), bottom: side('bar_bottom') };
}
