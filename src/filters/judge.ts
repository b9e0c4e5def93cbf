/**
 * Clip-level verdicts: signals in, keep or drop with a reason out. A reason names the filter and
 * the measured value against its threshold, e.g. `static: local_motion=0.12 < 8`, so a dropped
 * clip in the index says exactly why. Filters run in a fixed order, most specific first (a black
 * clip is reported as `single_color`, not as `static`).
 */
import type { FilterConfig } from '../config/schema.js';

export type Verdict = { keep: true } | { keep: false; reason: string };

export interface Crop {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface Rule {
  filter: string;
  signal: string;
  op: '<' | '>';
  limit: (cfg: FilterConfig) => number;
}

const RULES: Rule[] = [
  { filter: 'single_color', signal: 'single_color_share', op: '>', limit: (c) => c.maxSingleColorShare },
  { filter: 'frozen', signal: 'frozen_share', op: '>', limit: (c) => c.maxFrozenShare },
  { filter: 'static', signal: 'local_motion', op: '<', limit: (c) => c.minMotion },
  { filter: 'chaotic', signal: 'motion_mean', op: '>', limit: (c) => c.maxMotion },
  { filter: 'too_dark', signal: 'luma_mean', op: '<', limit: (c) => c.minLuma },
  { filter: 'too_bright', signal: 'luma_mean', op: '>', limit: (c) => c.maxLuma },
  { filter: 'blurry', signal: 'sharpness', op: '<', limit: (c) => c.minSharpness },
  { filter: 'low_bitrate', signal: 'bits_per_pixel', op: '<', limit: (c) => c.minBitsPerPixel },
  // Present only when the safety option is on (the score is costly, so it is measured last).
  { filter: 'unsafe', signal: 'nsfw', op: '>', limit: (c) => c.maxNsfw },
];

/** Share of the height or width (whichever is larger) covered by dark border bars. */
export const barShare = (s: Record<string, number>): number =>
  Math.max((s.bar_top ?? 0) + (s.bar_bottom ?? 0), (s.bar_left ?? 0) + (s.bar_right ?? 0));

export function judgeClip(signals: Record<string, number>, cfg: FilterConfig, opts: { cropBars: boolean }): Verdict {
  for (const rule of RULES) {
    const value = signals[rule.signal];
    if (value === undefined || !Number.isFinite(value)) continue;
    const limit = rule.limit(cfg);
    if (rule.op === '<' ? value < limit : value > limit) {
      return { keep: false, reason: `${rule.filter}: ${rule.signal}=${fmt(value)} ${rule.op} ${fmt(limit)}` };
    }
  }
  const bars = barShare(signals);
  if (!opts.cropBars && bars > cfg.maxBarShare) {
    return { keep: false, reason: `letterbox: bar_share=${fmt(bars)} > ${fmt(cfg.maxBarShare)}` };
  }
  return { keep: true };
}

/** Fractions of the width (left, right) and height (top, bottom) to cut away to remove the bars. */
export function cropFor(signals: Record<string, number>): Crop {
  const side = (name: string) => Math.max(0, signals[name] ?? 0);
  return { left: side('bar_left'), top: side('bar_top'), right: side('bar_right'), bottom: side('bar_bottom') };
}

const fmt = (v: number): string => String(Number(v.toPrecision(3)));
