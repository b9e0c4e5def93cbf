/**
 * Checks once, before any source is touched, that GPU decoding works here: otherwise every
 * source would fail the same way and be recorded as a failed source.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FatalError } from '../errors.js';
import { FFMPEG, ffmpegInput, runTool, stderrTail } from './ffmpeg.js';

export async function checkHwaccel(api: 'cuda'): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-hwaccel-'));
  try {
    const sample = path.join(dir, 'sample.mp4');
    await runTool(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=256x144:d=0.2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ffmpegInput(sample)]);
    const res = await runTool(FFMPEG, ['-v', 'error', '-hwaccel', api, '-i', ffmpegInput(sample), '-f', 'null', '-']);
    if (res.code !== 0) {
      throw new FatalError(`--hwaccel ${api} does not work on this machine (${stderrTail(res.stderr, 2) || `ffmpeg exit ${res.code}`}). Leave it out to decode on the CPU.`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
