/**
 * Pure planning for clip extraction: output size, which source frames each clip keeps (frame-rate
 * cap included), and the ffmpeg filter expressions that select them. Everything here is computed
 * from frame indices, never from rounded times, so clip boundaries are exact by construction.
 */
import type { ExtractConfig } from '../config/schema.js';
import type { ProbeInfo } from '../types.js';

/** Fractions of the displayed width/height to remove on each side (letterbox or pillarbox bars). */
export interface CropFractions {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface ExtractSpan {
  clipId: string;
  startFrame: number;
  /** Inclusive. */
  endFrame: number;
  startTime: number;
  /** Exclusive: the time of the frame after `endFrame`. */
  endTime: number;
  crop?: CropFractions;
}

export interface OutputSize {
  width: number;
  height: number;
}

const NO_CROP: CropFractions = { left: 0, top: 0, right: 0, bottom: 0 };

const evenDown = (n: number) => Math.max(2, 2 * Math.floor(n / 2));
const evenNearest = (n: number) => Math.max(2, 2 * Math.round(n / 2));

/** Output size: the cropped display size (even), scaled down (never up) to `maxHeight`, aspect kept, both even. */
export function outputSize(probe: ProbeInfo, crop: CropFractions | undefined, maxHeight: number): OutputSize {
  const c = crop ?? NO_CROP;
  const w = evenDown(probe.video.width * (1 - c.left - c.right));
  const h = evenDown(probe.video.height * (1 - c.top - c.bottom));
  if (h <= maxHeight) return { width: w, height: h };
  const height = evenDown(maxHeight);
  return { width: evenNearest((height * w) / h), height };
}

/** Source frame rate of a span, from its own frame count and duration (VFR-safe). */
export function spanFps(span: ExtractSpan): number {
  const duration = span.endTime - span.startTime;
  const frames = span.endFrame - span.startFrame + 1;
  return duration > 0 ? frames / duration : 0;
}

/**
 * Keep ratio for a frame-rate cap: 1 keeps every frame; r < 1 keeps frame i (0-based in the clip)
 * when floor(i*r) advances, i.e. evenly spread frames at about `maxFps`, always starting with the first.
 */
export function keepRatio(span: ExtractSpan, maxFps: number): number {
  const fps = spanFps(span);
  return maxFps > 0 && fps > maxFps * 1.001 ? maxFps / fps : 1;
}

/** Frames a clip will have after the cap: the count of i in [0, n) where floor(i*r) advances. */
export function keptFrameCount(span: ExtractSpan, ratio: number): number {
  const n = span.endFrame - span.startFrame + 1;
  if (ratio >= 1) return n;
  return Math.floor((n - 1) * ratio + 1e-9) + 1;
}

const num = (x: number) => Number(x.toFixed(9)).toString();

/**
 * The `select` expression over the source frame index `n` for all spans. With a cap, frame i of a
 * span is kept when floor(i*r) > floor((i-1)*r): the same rule `keptFrameCount` counts.
 */
export function videoSelectExpr(spans: ExtractSpan[], ratios: number[]): string {
  return spans
    .map((s, k) => {
      const inSpan = `between(n,${s.startFrame},${s.endFrame})`;
      const r = ratios[k];
      if (r >= 1) return inSpan;
      const i = `(n-${s.startFrame})`;
      return `${inSpan}*gt(floor(${i}*${num(r)}+1e-9)-floor((${i}-1)*${num(r)}+1e-9),0)`;
    })
    .join('+');
}

/**
 * Audio is selected in small chunks of `chunk` samples by time, each span taking a whole number of
 * encoder frames (`frameSize` samples) from its start. Spans then never share an encoder frame, so no
 * audio of one clip leaks into the next; a clip's audio may end up to one encoder frame early.
 */
export function audioSelectExpr(spans: ExtractSpan[], sampleRate: number, chunk: number, frameSize: number): string {
  const half = chunk / 2 / sampleRate;
  const parts: string[] = [];
  for (const s of spans) {
    const frames = Math.floor(((s.endTime - s.startTime) * sampleRate) / frameSize);
    if (frames === 0) continue;
    const start = s.startTime - half;
    parts.push(`between(t,${num(start)},${num(start + (frames * frameSize) / sampleRate - 1e-7)})`);
  }
  return parts.join('+') || '0';
}

/**
 * Audio timestamps that follow the video's output timeline: span k's audio is shifted by
 * `offsets[k]` (video start of clip k in the output minus its source start time). The shift is a
 * telescoping sum of steps at each span start, so one flat expression covers any number of clips.
 */
export function audioPtsExpr(spans: ExtractSpan[], offsets: number[], sampleRate: number, chunk: number): string {
  const half = chunk / 2 / sampleRate;
  const steps = spans.slice(1).map((s, k) => `gte(T,${num(s.startTime - half)})*${num(offsets[k + 1] - offsets[k])}`);
  return `(T+${num(offsets[0])}${steps.map((x) => `+${x}`).join('')})/TB`;
}

/** Output frame index at which each clip after the first begins (segment split points). */
export function splitFrames(counts: number[]): number[] {
  const splits: number[] = [];
  let total = 0;
  for (let k = 0; k < counts.length - 1; k++) {
    total += counts[k];
    splits.push(total);
  }
  return splits;
}

/** Crop filter for fractions of the picture as the filters see it (after autorotation), even sizes. */
export function cropFilter(crop: CropFractions | undefined): string | undefined {
  if (!crop || crop.left + crop.right + crop.top + crop.bottom <= 0) return undefined;
  const w = `trunc(iw*${num(1 - crop.left - crop.right)}/2)*2`;
  const h = `trunc(ih*${num(1 - crop.top - crop.bottom)}/2)*2`;
  return `crop=w=${w}:h=${h}:x=trunc(iw*${num(crop.left)}):y=trunc(ih*${num(crop.top)})`;
}

/** Spans sharing a crop share one encoder (one output size); the usual case is a single group. */
export function groupByCrop(spans: ExtractSpan[]): ExtractSpan[][] {
  const groups = new Map<string, ExtractSpan[]>();
  for (const s of spans) {
    const key = JSON.stringify(s.crop ?? NO_CROP);
    const group = groups.get(key) ?? [];
    group.push(s);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export type OutputCodec = ExtractConfig['codec'];

/** Container per codec: WebM for VP9 (Opus audio), MP4 for H.264 and AV1 (AAC audio). */
export function containerFor(codec: OutputCodec): { ext: 'mp4' | 'webm'; audioEncoder: string; audioFrameSize: number } {
  return codec === 'vp9'
    ? { ext: 'webm', audioEncoder: 'libopus', audioFrameSize: 960 }
    : { ext: 'mp4', audioEncoder: 'aac', audioFrameSize: 1024 };
}

const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];
/** libvpx-vp9 -cpu-used and SVT-AV1 -preset equivalents of the x264 preset names, in the same order. */
const VP9_CPU_USED = [8, 7, 6, 5, 4, 3, 2, 1, 0];
const SVT_PRESET = [12, 11, 10, 9, 8, 7, 5, 4, 2];

/** Encoder arguments: the x264-style CRF (0-51) and preset are mapped onto each encoder's own scale. */
export function videoEncoderArgs(cfg: ExtractConfig): { encoder: string; args: string[]; forcesKeyframes: boolean } {
  const presetIndex = X264_PRESETS.indexOf(cfg.preset);
  const p = presetIndex >= 0 ? presetIndex : X264_PRESETS.indexOf('veryfast');
  const wideCrf = Math.min(63, Math.round((cfg.crf * 63) / 51));
  switch (cfg.codec) {
    case 'h264':
      return {
        encoder: 'libx264',
        forcesKeyframes: true,
        // With its lookahead on a thread of its own (x264's default with frame threads), the same
        // frames sometimes encoded to different bytes on a busy CPU; sync-lookahead=0 runs it in
        // step with the encoder, so re-runs give the same bytes (test/media/extract-determinism).
        args: ['-c:v', 'libx264', '-preset', X264_PRESETS[p], '-crf', String(Math.min(cfg.crf, 51)), '-pix_fmt', 'yuv420p',
          '-x264-params', 'sync-lookahead=0'],
      };
    case 'vp9':
      return {
        encoder: 'libvpx-vp9',
        forcesKeyframes: true,
        args: ['-c:v', 'libvpx-vp9', '-crf', String(wideCrf), '-b:v', '0', '-deadline', p <= 2 ? 'realtime' : 'good',
          '-cpu-used', String(VP9_CPU_USED[p]), '-row-mt', '1', '-pix_fmt', 'yuv420p'],
      };
    case 'av1':
      return {
        encoder: 'libsvtav1',
        // ffmpeg 5.1's libsvtav1 wrapper ignores forced keyframes.
        forcesKeyframes: false,
        args: ['-c:v', 'libsvtav1', '-crf', String(Math.max(1, wideCrf)), '-preset', String(SVT_PRESET[p]), '-pix_fmt', 'yuv420p'],
      };
  }
}
