/**
 * Evenly spaced frames of a written clip, for models: one ffmpeg pass that keeps the frames at the
 * middles of N equal parts of the clip, as JPEG files (vision-language models) or as raw RGB
 * filling a fixed size (image encoders).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorCode, SourceError } from '../errors.js';
import { EXACT_DECODE_ANY_CODEC, FFMPEG, SCALE_SAME_ON_ANY_CPU, ffmpegInput, jpegOutput, runTool, stderrTail } from '../media/ffmpeg.js';

/** Indices of `count` frames spread evenly over `total` frames: the middle of each equal part. */
export function evenlySpacedFrames(total: number, count: number): number[] {
  const n = Math.max(1, Math.min(count, total));
  const picks = new Set<number>();
  for (let i = 0; i < n; i++) picks.add(Math.min(total - 1, Math.floor(((i + 0.5) * total) / n)));
  return [...picks].sort((a, b) => a - b);
}

export interface ClipFramesOptions {
  /** Frames in the clip file (its frame rate times its duration, rounded). */
  frameCount: number;
  count: number;
  width: number;
  signal?: AbortSignal;
}

/** ffmpeg's select expression for the evenly spaced frames of a clip. */
function selectFrames(frameCount: number, count: number): string {
  return evenlySpacedFrames(Math.max(1, frameCount), count).map((n) => `eq(n\\,${n})`).join('+');
}

/** JPEG frames at most `width` wide (aspect kept). */
export async function clipJpegFrames(clipFile: string, opts: ClipFramesOptions): Promise<Buffer[]> {
  const select = selectFrames(opts.frameCount, opts.count);
  const dir = await mkdtemp(path.join(tmpdir(), 'clipmill-frames-'));
  try {
    const res = await runTool(FFMPEG, [
      '-nostdin', '-hide_banner', '-loglevel', 'error',
      ...EXACT_DECODE_ANY_CODEC, '-i', ffmpegInput(clipFile),
      '-map', '0:V:0',
      '-vf', `select='${select}',scale='min(${opts.width},iw)':-2:flags=bicubic+${SCALE_SAME_ON_ANY_CPU}`,
      '-fps_mode', 'passthrough', ...jpegOutput(3),
      path.join(dir, 'frame-%03d.jpg'),
    ], { signal: opts.signal });
    const names = (await readdir(dir)).sort();
    if (res.code !== 0 || names.length === 0) {
      throw new SourceError(ErrorCode.DecodeFailed, `Could not take frames from ${clipFile}: ${stderrTail(res.stderr) || 'no frames'}.`);
    }
    return await Promise.all(names.map((n) => readFile(path.join(dir, n))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * RGB24 frames of exactly width × height: scaled to cover the size, then centre-cropped (the
 * usual preprocessing of image encoders). One buffer of frames × height × width × 3 bytes.
 */
export async function clipRgbFrames(clipFile: string, opts: ClipFramesOptions & { height: number }): Promise<{ frames: number; data: Buffer }> {
  const { width, height } = opts;
  const res = await runTool(FFMPEG, [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    ...EXACT_DECODE_ANY_CODEC, '-i', ffmpegInput(clipFile),
    '-map', '0:V:0',
    '-vf', `select='${selectFrames(opts.frameCount, opts.count)}',scale=${width}:${height}:force_original_aspect_ratio=increase:flags=bicubic+${SCALE_SAME_ON_ANY_CPU},crop=${width}:${height}`,
    '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ], { signal: opts.signal });
  const frameBytes = width * height * 3;
  const frames = Math.floor(res.stdout.length / frameBytes);
  if (res.code !== 0 || frames === 0) {
    throw new SourceError(ErrorCode.DecodeFailed, `Could not take frames from ${clipFile}: ${stderrTail(res.stderr) || 'no frames'}.`);
  }
  return { frames, data: res.stdout.subarray(0, frames * frameBytes) };
}
