/**
 * Running an extraction ffmpeg and publishing its files: outputs are written into a hidden temporary
 * folder next to their final place and renamed only after ffmpeg succeeded, so a killed process never
 * leaves a half clip under a finished clip's name.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, SourceError } from '../errors.js';
import { FFMPEG, runTool, stderrTail } from './ffmpeg.js';

/** A private temporary folder inside `outDir` (same filesystem, so the final rename is atomic). */
export async function makeWorkDir(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  return mkdtemp(path.join(outDir, '.extract-'));
}

export async function removeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Runs ffmpeg for an extraction. A full disk surfaces as an ENOSPC error (recorded as disk_full);
 * any other failure as SourceError(encode_failed) carrying the end of ffmpeg's stderr.
 */
export async function runEncoder(args: string[], signal?: AbortSignal): Promise<void> {
  const res = await runTool(FFMPEG, ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', ...args], { signal });
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  if (res.code === 0) return;
  if (/No space left on device/i.test(res.stderr)) {
    throw Object.assign(new Error(`No space left on device while writing clips: ${stderrTail(res.stderr, 1)}`), {
      code: 'ENOSPC',
    });
  }
  throw new SourceError(
    ErrorCode.EncodeFailed,
    `ffmpeg could not write the clips (exit ${res.code ?? res.signal}): ${stderrTail(res.stderr, 5) || 'no details'}.`,
  );
}

/** Moves finished files to their final names. */
export async function publish(moves: { from: string; to: string }[]): Promise<void> {
  for (const m of moves) await rename(m.from, m.to);
}
