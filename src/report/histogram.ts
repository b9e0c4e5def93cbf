/**
 * Histograms of clip measures (length, fps, motion, ...) with kept and dropped clips counted
 * apart, so a chart shows both what the dataset holds and what the filters took out.
 */
import type { ClipView } from './dataset.js';

export interface Histogram {
  name: string;
  label: string;
  /** Left edge of each bin; the last bin also holds its right edge. */
  edges: number[];
  width: number;
  kept: number[];
  dropped: number[];
}

const BINS = 20;

/** The measures charted, each read from a clip (undefined when the clip lacks it). */
export const MEASURES: ReadonlyArray<{ name: string; label: string; read: (c: ClipView) => number | null | undefined }> = [
  { name: 'duration', label: 'clip length (s)', read: (c) => c.duration },
  { name: 'height', label: 'height (px)', read: (c) => c.height },
  { name: 'fps', label: 'frame rate (fps)', read: (c) => c.fps },
  { name: 'motion_mean', label: 'motion (mean luma change)', read: (c) => c.signals.motion_mean },
  { name: 'sharpness', label: 'sharpness (Laplacian variance)', read: (c) => c.signals.sharpness },
  { name: 'luma_mean', label: 'mean luma', read: (c) => c.signals.luma_mean },
  { name: 'colorfulness', label: 'colourfulness', read: (c) => c.signals.colorfulness },
  { name: 'frozen_share', label: 'share of frozen frames', read: (c) => c.signals.frozen_share },
];

function histogramOf(name: string, label: string, values: { value: number; kept: boolean }[]): Histogram {
  let min = Infinity;
  let max = -Infinity;
  for (const { value } of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  // One value (or none, or values that differ only by rounding noise): a single bin of width 1
  // around it, so the chart still has an axis.
  const span = max - min > 1e-6 * Math.max(1, Math.abs(max)) ? max - min : 0;
  const bins = span > 0 ? BINS : 1;
  const width = span > 0 ? span / BINS : 1;
  const start = span > 0 ? min : (Number.isFinite(min) ? min - 0.5 : 0);
  const kept = new Array<number>(bins).fill(0);
  const dropped = new Array<number>(bins).fill(0);
  for (const { value, kept: isKept } of values) {
    const bin = Math.min(bins - 1, Math.floor((value - start) / width));
    (isKept ? kept : dropped)[bin]!++;
  }
  const edges = kept.map((_, i) => start + i * width);
  return { name, label, edges, width, kept, dropped };
}

/** One histogram per measure that at least one clip has. */
export function clipHistograms(clips: readonly ClipView[]): Histogram[] {
  const histograms: Histogram[] = [];
  for (const { name, label, read } of MEASURES) {
    const values: { value: number; kept: boolean }[] = [];
    for (const clip of clips) {
      const value = read(clip);
      if (typeof value === 'number' && Number.isFinite(value)) values.push({ value, kept: clip.status === 'kept' });
    }
    if (values.length > 0) histograms.push(histogramOf(name, label, values));
  }
  return histograms;
}
