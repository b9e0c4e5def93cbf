/**
 * The labelled shot-boundary corpus: synthetic videos at several sizes, frame rates and GOP
 * lengths, with hard cuts, dissolves, fades through black and white and wipes, and flashes, pans
 * and shake as distractors. A seeded generator makes it the same on every run.
 */
import type { Join, Scene, SceneKind, VideoSpec } from './synth.js';

const KINDS: SceneKind[] = ['testsrc2', 'mandelbrot', 'smptebars', 'life', 'cellauto', 'gradients', 'noise', 'pan', 'fastpan', 'shake'];
const GRADUAL = ['fade', 'dissolve', 'fadeblack', 'fadewhite', 'wipeleft', 'wiperight', 'wipeup', 'wipedown'];

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CorpusVideo {
  name: string;
  spec: VideoSpec;
}

/** One video of about `seconds`, alternating scene kinds, half cuts and half gradual joins. */
export function corpusVideo(name: string, seed: number, base: Omit<VideoSpec, 'scenes' | 'joins'>, seconds: number): CorpusVideo {
  const random = rng(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const scenes: Scene[] = [];
  const joins: Join[] = [];
  let pendingJoin: Join | undefined;
  let total = 0;
  let previous: SceneKind | undefined;
  let incoming = 0;
  while (total < seconds * base.fps) {
    let kind = pick(KINDS);
    while (kind === previous) kind = pick(KINDS);
    previous = kind;
    const join: Join = random() < 0.5 ? { kind: 'cut' } : { kind: 'gradual', transition: pick(GRADUAL), frames: Math.round((0.4 + 1.1 * random()) * base.fps) };
    const outgoing = join.kind === 'gradual' ? join.frames : 0;
    // At least 1.2 s of the scene stays clear of the transitions on both sides.
    const clean = Math.round((1.2 + 2 * random()) * base.fps);
    const scene: Scene = { kind, frames: incoming + clean + outgoing };
    if (random() < 0.3) {
      scene.flash = { at: incoming + Math.round(clean * 0.5), frames: 1 + Math.floor(random() * 4), style: random() < 0.5 ? 'white' : 'bright' };
    }
    if (scenes.length > 0) joins.push(pendingJoin!);
    scenes.push(scene);
    pendingJoin = join;
    incoming = outgoing;
    total += clean + outgoing;
  }
  return { name, spec: { ...base, scenes, joins } };
}

/** The corpus; a non-zero `seedOffset` draws a different one of the same shape (a held-out check). */
export function corpus(seedOffset = 0): CorpusVideo[] {
  const video = (w: number, h: number, fps: number, gop: number, seed: number, seconds: number) =>
    corpusVideo(`c${w}x${h}-${fps}fps-gop${gop}${seedOffset ? `-s${seed + seedOffset}` : ''}`, seed + seedOffset, { width: w, height: h, fps, gop }, seconds);
  return [
    video(320, 180, 24, 12, 1, 30),
    video(480, 270, 25, 250, 2, 30),
    video(640, 360, 30, 48, 3, 30),
    video(854, 480, 60, 120, 4, 20),
    video(1280, 720, 30, 60, 5, 25),
    video(400, 300, 25, 25, 6, 25),
  ];
}
