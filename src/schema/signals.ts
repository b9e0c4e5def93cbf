/**
 * The names of the per-clip quality signals: those measured in the one decode pass
 * (src/analysis/signals.ts), the optional safety score, and any a program adds. A filter names
 * the signal it reads with this type, so a misspelt signal is a compile error.
 *
 * A program whose annotator adds signals declares them once:
 *   declare module 'clipmill' { interface CustomSignals { my_score: number } }
 */
export const MEASURED_SIGNALS = [
  'motion_mean', 'motion_p90', 'sharpness', 'edge_sharpness', 'luma_mean', 'dark_share', 'bright_share', 'contrast', 'colorfulness',
  'frozen_share', 'single_color_share', 'bar_top', 'bar_bottom', 'bar_left', 'bar_right',
  'local_motion', 'relative_motion', 'camera_motion', 'scene_motion', 'bits_per_pixel', 'quantiser',
] as const;
export type MeasuredSignal = (typeof MEASURED_SIGNALS)[number];

/** Signals a program adds through its annotators (declaration merging; empty here). */
export interface CustomSignals {}

/** Every signal a filter may read: measured, `nsfw` (with the safety option on), or declared by a program. */
export type SignalName = MeasuredSignal | 'nsfw' | Extract<keyof CustomSignals, string>;

/** A clip's signals by name; one that was not measured is absent. */
export type Signals = { readonly [K in SignalName]?: number };
