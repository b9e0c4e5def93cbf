/**
 * Builds labelled synthetic videos with ffmpeg: scenes from lavfi sources (and moving crops over
 * a generated image), joined by hard cuts or xfade transitions, with flashes as distractors.
 * The truth (cut frames, gradual spans, flash frames) follows from the construction.
 */
import { spawn } from 'node:child_process';

export type SceneKind =
  | 'testsrc2'
  | 'mandelbrot'
  | 'smptebars'
  | 'life'
  | 'cellauto'
  | 'gradients'
  | 'noise'
  | 'pan'
  | 'fastpan'
  | 'shake';

export interface Scene {
  kind: SceneKind;
  frames: number;
  /** Frames [at, at+frames) turned white ('white') or brightened ('bright'): not a cut. */
  flash?: { at: number; frames: number; style: 'white' | 'bright' };
}

/** How a scene joins the previous one: a hard cut, or an xfade transition lasting `frames`. */
export type Join = { kind: 'cut' } | { kind: 'gradual'; transition: string; frames: number };

export interface VideoSpec {
  width: number;
  height: number;
  fps: number;
  /** Keyframe interval in frames. */
  gop: number;
  scenes: Scene[];
  /** joins[i] joins scenes[i] and scenes[i+1]. */
  joins: Join[];
}

export interface Truth {
  frameCount: number;
  /** First frame of each new shot after a hard cut. */
  cuts: number[];
  /** Inclusive frame spans of gradual transitions. */
  gradual: { startFrame: number; endFrame: number; transition: string }[];
  /** Inclusive frame spans of flashes. */
  flashes: { startFrame: number; endFrame: number }[];
}

function sceneSource(scene: Scene, index: number, spec: VideoSpec): string {
  const { width: w, height: h, fps } = spec;
  const size = `s=${w}x${h}:r=${fps}`;
  const hue = `hue=h=${(index * 67) % 360}`;
  const image = `mandelbrot=s=${3 * w}x${3 * h}:r=${fps}:start_scale=${1 + (index % 3)},trim=end_frame=1,loop=loop=-1:size=1,setpts=N/(${fps}*TB)`;
  switch (scene.kind) {
    case 'testsrc2':
      return `testsrc2=${size},${hue}`;
    case 'mandelbrot':
      return `mandelbrot=${size}:end_pts=${200 + index * 7},${hue}`;
    case 'smptebars':
      return `smptebars=${size},noise=alls=8:allf=t`;
    case 'life':
      return `life=${size}:mold=10:ratio=0.${3 + (index % 5)}:seed=${index}:life_color=#${index % 2 ? 'ffcc33' : '33ccff'}:death_color=#202040,scale=${w}:${h}`;
    case 'cellauto':
      return `cellauto=s=${w}x${h}:r=${fps}:rule=${[18, 30, 90, 110][index % 4]}:seed=${index},format=yuv420p,${hue},eq=saturation=2`;
    case 'gradients':
      return `gradients=${size}:speed=0.02:seed=${index}`;
    case 'noise':
      return `color=c=0x${(0x306090 + index * 0x1f2f1f).toString(16).slice(-6)}:${size},noise=alls=30:allf=t`;
    case 'pan':
      return `${image},${hue},crop=${w}:${h}:x='mod(n*${Math.max(1, Math.round(w / 80))},${2 * w})':y=${h}`;
    case 'fastpan':
      return `${image},${hue},crop=${w}:${h}:x='${w}+${w}*sin(n/${Math.round(fps / 2)})':y='${h}+${h / 2}*cos(n/${fps})'`;
    case 'shake':
      return `${image},${hue},crop=${w}:${h}:x='${w}+${Math.round(w / 20)}*sin(n*2.3)':y='${h}+${Math.round(h / 16)}*sin(n*1.7+1)'`;
  }
}

function flashFilter(scene: Scene): string {
  const f = scene.flash;
  if (!f) return '';
  const when = `enable='between(n,${f.at},${f.at + f.frames - 1})'`;
  return f.style === 'white' ? `,drawbox=x=0:y=0:w=iw:h=ih:color=white@0.9:t=fill:${when}` : `,eq=brightness=0.45:${when}`;
}

/** A scene's chain as a graph part, before the joins: `frames` frames, an optional flash. */
export interface JoinInput {
  frames: number;
  flash?: { at: number; frames: number };
}

/**
 * Joins labelled scenes [s0], [s1], ... (each exactly `scenes[i].frames` frames at `fps`) into
 * [out] with hard cuts (concat) or xfade transitions, and returns the graph parts and the truth.
 */
export function joinScenes(scenes: JoinInput[], joins: Join[], fps: number): { parts: string[]; truth: Truth } {
  const parts: string[] = [];
  // Every link gets the same time base, which xfade requires of its inputs, and frames numbered
  // afresh: concat offsets its second input by the first one's last frame duration, which a
  // looped still or a resampled source may carry wrong.
  const tb = `settb=1/${fps},setpts=N/(${fps}*TB)`;
  const truth: Truth = { frameCount: 0, cuts: [], gradual: [], flashes: [] };
  const noteFlash = (scene: JoinInput, offset: number) => {
    if (scene.flash) truth.flashes.push({ startFrame: offset + scene.flash.at, endFrame: offset + scene.flash.at + scene.flash.frames - 1 });
  };
  let current = 's0';
  let length = scenes[0].frames;
  noteFlash(scenes[0], 0);
  joins.forEach((join, i) => {
    const next = scenes[i + 1];
    const out = `j${i}`;
    if (join.kind === 'cut') {
      parts.push(`[${current}][s${i + 1}]concat=n=2:v=1:a=0,${tb}[${out}]`);
      truth.cuts.push(length);
      noteFlash(next, length);
      length += next.frames;
    } else {
      const start = length - join.frames;
      parts.push(`[${current}][s${i + 1}]xfade=transition=${join.transition}:duration=${join.frames / fps}:offset=${start / fps},${tb}[${out}]`);
      truth.gradual.push({ startFrame: start, endFrame: length - 1, transition: join.transition });
      noteFlash(next, start);
      length = start + next.frames;
    }
    current = out;
  });
  truth.frameCount = length;
  // The last label is the output; rename it by appending a null filter.
  parts.push(`[${current}]null[out]`);
  return { parts, truth };
}

/** The filter graph and the truth for a spec. */
export function buildGraph(spec: VideoSpec): { graph: string; truth: Truth } {
  const tb = `settb=1/${spec.fps}`;
  const sources = spec.scenes.map(
    (scene, i) =>
      `${sceneSource(scene, i, spec)},trim=end_frame=${scene.frames},${tb},setpts=N/(${spec.fps}*TB)${flashFilter(scene)},format=yuv420p,setsar=1[s${i}]`,
  );
  const { parts, truth } = joinScenes(spec.scenes, spec.joins, spec.fps);
  return { graph: [...sources, ...parts].join(';'), truth };
}

/** Encodes the spec to `file` (H.264 MP4, constant frame rate) and returns its truth. */
export async function buildVideo(file: string, spec: VideoSpec, extraOutputArgs: string[] = []): Promise<Truth> {
  const { graph, truth } = buildGraph(spec);
  await runFfmpeg([
    '-filter_complex', graph, '-map', '[out]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-g', String(spec.gop), '-pix_fmt', 'yuv420p',
    ...extraOutputArgs,
    '-y', `file:${file}`,
  ]);
  return truth;
}

export function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (${code}): ${err.slice(-2000)}`))));
  });
}
