/**
 * Evenly spaced JPEG frames of a written clip, for a vision model: one ffmpeg pass that keeps the
 * frames nearest to the middles of N equal parts of the clip, scaled to at most `width` pixels.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorCode, SourceError } from '../errors.js';
import { FFMPEG, ffmpegInput, runTool, stderrTail } from '../media/ffmpeg.js';

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

export async function clipJpegFrames(clipFile: string, opts: ClipFramesOptions): Promise<Buffer[]> {
  const picks = evenlySpacedFrames(Math.max(1, opts.frameCount), opts.count);
  const select = picks.map((n) => `eq(n\\,${n})`).join('+');
  const dir = await mkdtemp(path.join(tmpdir(), 'clipmill-frames-'));
  try {
    const res = await runTool(FFMPEG, [
      '-nostdin', '-hide_banner', '-loglevel', 'error',
      '-i', ffmpegInput(clipFile),
      '-map', '0:V:0',
      '-vf', `select='${select}',scale='min(${opts.width},iw)':-2`,
      '-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', '3',
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
