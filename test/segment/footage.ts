/**
 * Footage-like fixtures for the shot detector's regression tests: shots are ffmpeg filter chains
 * over a still picture (a generated texture, or a real photo when one is given) moved the way a
 * camera or a motion graphic moves it, joined by hard cuts or xfade transitions. The truth follows
 * from the construction.
 */
import { runFfmpeg } from '../../bench/shots/synth.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { ShotDetector } from '../../src/segment/detector.js';
import type { BoundaryVerifier } from '../../src/segment/verifier.js';

export interface Format {
  width: number;
  height: number;
  fps: number;
}

/** One shot: a filter chain that ends in frames of the output size and rate (trimmed to `frames`). */
export interface FootageShot {
  chain: string;
  frames: number;
}

export type FootageJoin = { kind: 'cut' } | { kind: 'xfade'; transition: string; frames: number };

export interface FootageTruth {
  frameCount: number;
  cuts: number[];
  gradual: { startFrame: number; endFrame: number }[];
}

/**
 * A still picture `scale` times the output size, looped at the output rate: 'cells' (a cellular
 * automaton in sharp blocks), 'noise' (fine grain), 'fractal' (a mandelbrot frame), 'stripes' (fine
 * high-contrast bands, like blinds or a fence, over slow shading), or a photo file.
 */
export function still(fmt: Format, picture: 'cells' | 'noise' | 'fractal' | 'stripes' | { file: string }, scale = 3, seed = 1): string {
  const w = fmt.width * scale;
  const h = fmt.height * scale;
  const loop = `trim=end_frame=1,loop=loop=-1:size=1,setpts=N/(${fmt.fps}*TB),format=yuv420p`;
  if (typeof picture === 'object') return `movie='${picture.file.replace(/'/g, "\\'")}',scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},${loop}`;
  switch (picture) {
    case 'cells':
      return `cellauto=s=${w / 4}x${h / 4}:rule=${[30, 90, 110][seed % 3]}:seed=${seed}:r=${fmt.fps},scale=${w}:${h}:flags=neighbor,format=yuv420p,hue=h=${seed * 97}:s=3,${loop}`;
    case 'noise':
      return `color=c=0x${(0x508060 + seed * 0x2a1f3b).toString(16).slice(-6)}:s=${w}x${h}:r=${fmt.fps},noise=alls=90:all_seed=${seed},${loop}`;
    case 'stripes':
      return `color=c=black:s=${w}x${h}:r=${fmt.fps},format=yuv420p,geq=lum='128+90*sin(X/${2 + (seed % 3)})*(0.6+0.4*sin(Y/40+${seed}))+30*sin(X/97+Y/61)':cb='128+40*sin(Y/53+${seed})':cr='128+40*cos(X/71)',${loop}`;
    case 'fractal':
      return `mandelbrot=s=${w}x${h}:r=${fmt.fps}:start_scale=${1 + seed},hue=h=${seed * 67},${loop}`;
  }
}

/** Renders the shots joined by `joins` to an H.264 file and returns the truth. */
export async function renderFootage(file: string, fmt: Format, shots: FootageShot[], joins: FootageJoin[], gop = 50): Promise<FootageTruth> {
  const tb = `settb=1/${fmt.fps}`;
  const parts = shots.map((s, i) => `${s.chain},trim=end_frame=${s.frames},${tb},setpts=N/(${fmt.fps}*TB),format=yuv420p,setsar=1[s${i}]`);
  const truth: FootageTruth = { frameCount: shots[0].frames, cuts: [], gradual: [] };
  let current = 's0';
  joins.forEach((join, i) => {
    const next = shots[i + 1];
    if (join.kind === 'cut') {
      parts.push(`[${current}][s${i + 1}]concat=n=2:v=1:a=0,${tb}[j${i}]`);
      truth.cuts.push(truth.frameCount);
      truth.frameCount += next.frames;
    } else {
      const start = truth.frameCount - join.frames;
      parts.push(`[${current}][s${i + 1}]xfade=transition=${join.transition}:duration=${join.frames / fmt.fps}:offset=${start / fmt.fps},${tb}[j${i}]`);
      truth.gradual.push({ startFrame: start, endFrame: truth.frameCount - 1 });
      truth.frameCount = start + next.frames;
    }
    current = `j${i}`;
  });
  parts.push(`[${current}]null[out]`);
  // One encoder thread: x264's output depends on its thread count, which follows the machine's cores,
  // and a fixture must be the same bytes on every machine.
  await runFfmpeg([
    '-filter_complex', parts.join(';'), '-map', '[out]', '-filter_complex_threads', '1',
    '-c:v', 'libx264', '-threads', '1', '-preset', 'veryfast', '-crf', '23', '-g', String(gop), '-pix_fmt', 'yuv420p',
    '-y', `file:${file}`,
  ]);
  return truth;
}

/** Runs the detector over a file at the pipeline's analysis size (with the shipped verifier unless one is given). */
export async function detectShots(file: string, fmt: Format, threshold = 1, verifier?: BoundaryVerifier | null) {
  const detector = new ShotDetector({ fps: fmt.fps, threshold, verifier });
  for await (const frame of readFrames(file, analysisSize(fmt.width, fmt.height, 160))) detector.push(frame);
  return detector.finish();
}

/** Camera and motion-graphic moves over a still picture chain `s` (from `still`, 3x the output size). */
export const moves = {
  /** A steady pan, `px` output pixels a frame, turning back at the picture's edges. */
  pan: (fmt: Format, s: string, px: number) =>
    `${s},crop=${fmt.width}:${fmt.height}:x='${2 * fmt.width}-abs(mod(n*${px},${4 * fmt.width})-${2 * fmt.width})':y=${fmt.height / 2}`,
  /** Hand-held shake: irregular jitter of up to `px` pixels. */
  shake: (fmt: Format, s: string, px: number) =>
    `${s},crop=${fmt.width}:${fmt.height}:x='${fmt.width}+${px}*(0.6*sin(n*2.3)+0.4*sin(n*5.1+2))':y='${fmt.height}+${px}*(0.6*sin(n*1.7+1)+0.4*sin(n*4.3))'`,
  /** A zoom into the picture, growing by `rate` a frame (Ken Burns when small, a crash zoom when large). */
  zoom: (fmt: Format, s: string, rate: number) =>
    `${s},zoompan=z='min(1+${rate}*on,6)':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s=${fmt.width}x${fmt.height}:fps=${fmt.fps}`,
  /** A whip pan: still, then across two picture widths in about `frames` frames, then still, with motion blur. */
  whip: (fmt: Format, s: string, frames: number, at: number) =>
    `${s},crop=${fmt.width}:${fmt.height}:x='${fmt.width}*(1-tanh((n-${at})/${frames / 4}))':y=${fmt.height / 2},tmix=frames=3`,
  /** Pictures (`obj` chains) flying across the background chain `bg` one after another; `id` keeps the filter labels unique. */
  flying: (fmt: Format, bg: string, objs: string[], id: string) => {
    const chains = objs.map((o, k) => `${o},scale=${Math.round(fmt.width / 3)}:-2[${id}o${k}]`);
    let out = `${bg}[${id}b0]`;
    const overlays = objs.map((_, k) => {
      const from = k * 20;
      const dir = k % 2 ? -1 : 1;
      const x = dir > 0 ? `-w+(n-${from})*${Math.round(fmt.width / 15)}` : `W-(n-${from})*${Math.round(fmt.width / 15)}`;
      return `[${id}b${k}][${id}o${k}]overlay=x='${x}':y='H/4+${k * 10}+15*sin(n/4)':enable='gte(n,${from})'${k + 1 < objs.length ? `[${id}b${k + 1}]` : ''}`;
    });
    out = [...chains, out].join(';') + ';' + overlays.join(';');
    return out;
  },
  /** Kinetic typography: words popping in, sliding and growing over a flat background, a new one every `every` frames. */
  typography: (fmt: Format, words: string[], every: number) => {
    const texts = words.map((w, k) => {
      const a = k * every;
      const size = `${Math.round(fmt.height / 5)}+(n-${a})*2`;
      return `drawtext=text='${w}':fontcolor=white:fontsize='${size}':x='(w-text_w)/2+(${k % 2 ? 1 : -1})*max(0,${every / 2}-(n-${a}))*12':y='(h-text_h)/2':enable='between(n,${a},${a + every - 1})'`;
    });
    return `color=c=0x203050:s=${fmt.width}x${fmt.height}:r=${fmt.fps},${texts.join(',')}`;
  },
  /** A morph: a bright blob whose outline deforms and moves over a gradient. */
  morph: (fmt: Format) =>
    `color=c=black:s=${fmt.width}x${fmt.height}:r=${fmt.fps},format=yuv420p,geq=lum='40+X/W*60+170*lt(hypot((X-W/2-W/4*sin(N/9))/(1+0.6*sin(N/7)),(Y-H/2)*(1+0.6*cos(N/5))),H/3)':cb='128+50*sin(N/11)':cr='128+40*cos(X/W*3+N/13)'`,
  /** Picture repeats: the moving chain `s` resampled to `rate` fps and carried at the output rate again. */
  repeats: (fmt: Format, s: string, rate: string) => `${s},fps=${rate},fps=${fmt.fps}`,
};
