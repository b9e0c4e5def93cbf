/**
 * Which encoders this ffmpeg build has, asked once per process, so a missing VP9 or AV1 encoder is
 * one clear message instead of a failed source per video.
 */
import { FatalError } from '../errors.js';
import { FFMPEG, runTool } from './ffmpeg.js';

let available: Promise<Set<string>> | undefined;

async function listEncoders(): Promise<Set<string>> {
  const res = await runTool(FFMPEG, ['-hide_banner', '-encoders']);
  const names = new Set<string>();
  for (const line of res.stdout.toString().split('\n')) {
    const m = /^\s*[VAS][.A-Z]{5}\s+(\S+)/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

/** Throws FatalError naming the missing encoders (the whole run is misconfigured, not one source). */
export async function requireEncoders(names: string[]): Promise<void> {
  available ??= listEncoders();
  const have = await available;
  const missing = names.filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new FatalError(
      `This ffmpeg build has no ${missing.join(', ')} encoder; install an ffmpeg with it or choose another extract.codec.`,
    );
  }
}
