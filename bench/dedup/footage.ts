/**
 * Generated footage and its near-duplicate variants, with the signature pipeline the real run uses
 * (readFrames at analysis size -> FrameSignals.clipSignature). Truth is known by construction.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { measureFile } from '../../test/helpers/measure-file.js';
import { ffmpegInput } from '../../src/media/ffmpeg.js';

const exec = promisify(execFile);

/** Base footage length: copies come from its first 4 s, the hard negative from 5..8 s. */
export const BASE_SECONDS = 8;
/** Length of the original clip and of every copy. */
export const CLIP_SECONDS = 3;
export const BASE_SIZE = { width: 320, height: 180 };

/** Distinct moving lavfi sources at 320x180, 25 fps (each is its own "footage"). */
export const BASE_SOURCES: Record<string, string> = {
  testsrc2: 'testsrc2=s=320x180:r=25',
  mandelbrot: 'mandelbrot=s=320x180:r=25',
  mandelbrot_b: 'mandelbrot=s=320x180:r=25:start_x=-0.745:start_y=0.11:start_scale=0.2',
  life: 'life=s=320x180:r=25:seed=7:ratio=0.2:mold=10:death_color=#401030:life_color=#e0f040',
  life_b: 'life=s=320x180:r=25:seed=99:ratio=0.5:mold=5:death_color=#103040:life_color=#f08040',
  cellauto: 'cellauto=s=320x180:r=25:rule=110:seed=3:scroll=1',
  gradients: 'gradients=s=320x180:r=25:seed=11:speed=0.05',
  gradients_b: 'gradients=s=320x180:r=25:seed=42:speed=0.03:nb_colors=4',
};

/** ffmpeg options that turn the base file into a copy; `offset` variants start later in the base. */
export const VARIANTS: Record<string, { input?: string[]; vf?: string; encode?: string[] }> = {
  crf40: { encode: ['-crf', '40'] },
  half: { vf: 'scale=160:90' },
  crop5: { vf: 'crop=iw*0.95:ih*0.95,scale=320:180' },
  bright: { vf: 'eq=brightness=0.1' },
  offset05: { input: ['-ss', '0.5'] },
  offset1: { input: ['-ss', '1'] },
};

async function ffmpeg(args: string[]): Promise<void> {
  await exec('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 1 << 26 });
}

const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];

export async function makeBase(source: string, out: string, seconds = BASE_SECONDS): Promise<void> {
  await ffmpeg(['-f', 'lavfi', '-i', source, '-t', String(seconds), ...X264, '-crf', '18', out]);
}

/** CLIP_SECONDS of `base` from `start`, re-encoded at good quality. */
export async function makeClip(base: string, start: number, out: string): Promise<void> {
  await ffmpeg(['-ss', String(start), '-i', ffmpegInput(base), '-t', String(CLIP_SECONDS), ...X264, '-crf', '18', out]);
}

/** A copy of the original clip (the first CLIP_SECONDS of `base`), made as `variant` says. */
export async function makeVariant(base: string, variant: keyof typeof VARIANTS, out: string): Promise<void> {
  const v = VARIANTS[variant];
  await ffmpeg([
    ...(v.input ?? []), '-i', ffmpegInput(base), '-t', String(CLIP_SECONDS),
    ...(v.vf ? ['-vf', v.vf] : []), ...X264, ...(v.encode ?? ['-crf', '23']), out,
  ]);
}

/** The whole file as one clip: its signature, frame size and duration, as the pipeline computes them. */
export async function signatureOf(file: string, width: number, height: number): Promise<{ signature: string; frames: number }> {
  const { signals, frames } = await measureFile(file, width, height);
  return { signature: signals.clipSignature(0, frames - 1), frames };
}
