/**
 * The real-media shot corpus: videos built from real photographs, illustrations and real video
 * shots (bench/media), filmed by a virtual camera and joined by real transitions, covering the
 * failure classes of issue 10:
 *   1 pictures changing in steps with exact repeats (on twos/threes, 16.7 fps in 25 fps, low-rate
 *     textures, time-lapse, game-capture duplicates),
 *   2 motion graphics (fast zooms, whip pans with motion blur, objects flying in and out, kinetic
 *     typography, morphs),
 *   3 pans and hand-held shake over fine high-contrast texture,
 *   4 dissolves (each must count once),
 *   5 slow fades through one flat grey level moving between black and white,
 * with flashes as distractors, several codecs, sizes, frame rates and GOPs. The truth is known by
 * construction and written as JSON beside each video.
 *
 * Two splits: `dev` and `heldout` draw different seeds and different media (photos, illustrations
 * and videos partitioned by content hash, bench/media/manifest.ts). The held-out split is for
 * reporting only: never tune on it.
 *
 *   node --import tsx bench/shots/real-corpus.ts [--split dev|heldout|all]   # build (cached), list
 *
 * Videos are cached in $CLIPMILL_SHOTS_CORPUS (default /work/cache/shots-corpus/<split>); one is
 * rebuilt only when its spec changes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadMedia, splitByHash, type MediaEntry, type Split } from '../media/manifest.js';
import { annotatedVideos } from './real-truth.js';
import { rng } from './corpus.js';
import { lookInputs, shotChain, type Canvas, type Look, type ShotSpec } from './looks.js';
import { ENCODER_THREADS, SAME_ON_ANY_CPU } from '../media/same-on-any-machine.js';
import { joinScenes, runFfmpeg, type Join, type Truth } from './synth.js';

export type Codec = 'h264' | 'vp8' | 'mpeg4' | 'mpeg2' | 'mjpeg' | 'theora' | 'msmpeg4';

const ENCODE: Record<Codec, { ext: string; args: (gop: number) => string[] }> = {
  h264: { ext: 'mp4', args: (g) => ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-g', `${g}`, '-bf', '2', '-pix_fmt', 'yuv420p'] },
  vp8: { ext: 'webm', args: (g) => ['-c:v', 'libvpx', '-b:v', '1200k', '-deadline', 'good', '-cpu-used', '5', '-g', `${g}`, '-pix_fmt', 'yuv420p'] },
  mpeg4: { ext: 'avi', args: (g) => ['-c:v', 'mpeg4', '-q:v', '4', '-g', `${g}`, '-bf', '2', '-pix_fmt', 'yuv420p'] },
  mpeg2: { ext: 'mpg', args: (g) => ['-c:v', 'mpeg2video', '-q:v', '4', '-g', `${g}`, '-bf', '2', '-pix_fmt', 'yuv420p'] },
  mjpeg: { ext: 'avi', args: () => ['-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p'] },
  theora: { ext: 'ogv', args: (g) => ['-c:v', 'libtheora', '-q:v', '6', '-g', `${g}`, '-pix_fmt', 'yuv420p'] },
  msmpeg4: { ext: 'avi', args: (g) => ['-c:v', 'msmpeg4', '-q:v', '4', '-g', `${g}`, '-pix_fmt', 'yuv420p'] },
};

export interface RealSpec extends Canvas {
  name: string;
  split: Split;
  codec: Codec;
  gop: number;
  /** Issue-10 classes this video exercises. */
  classes: string[];
  shots: ShotSpec[];
  /** joins[i] joins shots[i] and shots[i+1]; a flat shot has gradual joins on both sides. */
  joins: Join[];
}

export interface CorpusTruth extends Truth {
  name: string;
  split: Split;
  fps: number;
  width: number;
  height: number;
  codec: Codec;
  gop: number;
  classes: string[];
  /** Media used, with package, path inside it and sha256. */
  media: { package: string; inside: string; sha256: string }[];
  specHash: string;
}

export interface CorpusVideo {
  file: string;
  truth: CorpusTruth;
}

// ---- choosing media and looks ------------------------------------------------------------------

/** Photographs and patterns full of fine, high-contrast detail (class 3). */
const TEXTURES = /(Wood|GreenMeadow|Blinds|RainDrops|Grey|ColorfulCups|Path|Dune|pixels|truchet|licorice|Kokkini)/;

/** Real videos that hold one shot from start to end (annotated by eye in truth/), usable as shots. */
const SINGLE_SHOT_VIDEOS = /(diver\.mov|cockatoo\.mp4|vtest\.avi|motion\.mov)$/;

interface Pools {
  photos: MediaEntry[];
  art: MediaEntry[];
  textures: MediaEntry[];
  videos: (MediaEntry & { duration: number })[];
  /**
   * Every real video of the split annotated as one shot with no transition (bench/shots/truth),
   * for the recipes added later (the older ones keep `videos`, so their videos do not change).
   */
  unbroken: { file: string; duration: number }[];
}

function durationOf(file: string): number {
  const res = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number(res.stdout.trim()) || 0;
}

function pools(split: Split): Pools {
  const media = loadMedia();
  const of = (kind: string) => splitByHash(media.filter((m) => m.kind === kind), split);
  const photos = of('photo');
  const art = of('art');
  return {
    photos,
    art,
    textures: [...photos, ...art].filter((m) => TEXTURES.test(m.inside)),
    videos: of('video')
      .filter((m) => SINGLE_SHOT_VIDEOS.test(m.inside))
      .map((m) => ({ ...m, duration: durationOf(m.file) })),
    // `heldout-video` and `late-dev-video` files were added after the corpora were built: left
    // out, so that both stay as they were.
    unbroken: annotatedVideos(split)
      .filter((v) => (v.kind === 'video' || v.kind === 'dev-video') && v.truth.cuts.length === 0 && v.truth.gradual.length === 0)
      .map((v) => ({ file: v.file, duration: durationOf(v.file) })),
  };
}

const WORDS = ['MAKE', 'IT', 'REAL', 'FAST', 'BOLD', 'NOW', 'SHIFT', 'MOVE', 'LIGHT', 'CLIP', 'FRAME', 'SCENE', 'WIDE', 'OPEN'];
const DISSOLVES = ['fade', 'fade', 'dissolve'];
const WIPES = ['wipeleft', 'wiperight', 'wipeup', 'wipedown', 'slideleft', 'slideright', 'circleopen', 'smoothleft'];

/** A per-video chooser of media, looks and joins. */
class Chooser {
  readonly random: () => number;
  readonly used = new Map<string, MediaEntry>();
  private lastFootage: { file: string; duration: number } | undefined;
  private lastPhoto: string | undefined;

  constructor(
    seed: number,
    readonly pools: Pools,
    readonly canvas: Canvas,
  ) {
    this.random = rng(seed);
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  seconds(lo: number, hi: number): number {
    return Math.round(this.between(lo, hi) * this.canvas.fps);
  }

  media(list: MediaEntry[]): string {
    const m = this.pick(list);
    this.used.set(m.file, m);
    return m.file;
  }

  /** A camera move over a still: Ken Burns zoom, pan, or hand-held shake. */
  camera(list: MediaEntry[], frames: number): Look {
    const image = this.media(list);
    const W = this.canvas.width;
    const r = this.random();
    if (r < 0.4) {
      const zoomIn = this.random() < 0.5;
      const z = [1, this.between(1.25, 1.7)];
      return { kind: 'kenburns', image, zoomFrom: zoomIn ? z[0] : z[1], zoomTo: zoomIn ? z[1] : z[0], from: [this.random(), this.random()], to: [this.random(), this.random()] };
    }
    if (r < 0.75) {
      const speed = (this.between(0.25, 0.6) * W) / frames;
      const horizontal = this.random() < 0.7;
      const sign = this.random() < 0.5 ? 1 : -1;
      return { kind: 'pan', image, dx: horizontal ? +(sign * speed).toFixed(2) : 0, dy: horizontal ? 0 : +(sign * speed * 0.6).toFixed(2) };
    }
    return { kind: 'shake', image, amplitude: +this.between(0.02, 0.06).toFixed(3), seed: Math.floor(this.random() * 100) };
  }

  /** Motion graphics: fast zoom, whip pan, fly-in, kinetic typography or a morph. */
  graphics(frames: number): Look {
    const r = this.random();
    const all = [...this.pools.photos, ...this.pools.art];
    if (r < 0.2) return { kind: 'fastzoom', image: this.media(all), at: Math.round(frames * this.between(0.15, 0.4)) };
    if (r < 0.4) return { kind: 'whip', image: this.media(all), at: Math.round(frames * this.between(0.3, 0.6)), direction: this.random() < 0.5 ? 1 : -1 };
    if (r < 0.6) return { kind: 'flyin', image: this.media(all), object: this.media(this.pools.art), at: Math.round(frames * this.between(0.1, 0.4)) };
    if (r < 0.8) {
      const count = Math.max(2, Math.round(frames / (0.6 * this.canvas.fps)));
      return { kind: 'typography', image: this.media(this.pools.art), words: Array.from({ length: count }, () => this.pick(WORDS)) };
    }
    return { kind: 'morph', image: this.media(this.pools.art) };
  }

  /** A shot of a real single-shot video, from a random point; step/hold > 1 make it stepwise. */
  video(frames: number, step = 1, hold = 1): Look | undefined {
    if (this.pools.videos.length === 0) return undefined;
    const v = this.pick(this.pools.videos);
    this.used.set(v.file, v);
    const needed = (frames * step) / hold / this.canvas.fps + 0.5;
    const start = Math.max(0, this.between(0, v.duration - needed));
    return { kind: 'video', file: v.file, start: +start.toFixed(2), step, hold };
  }

  /**
   * A shot of a real unbroken video from a random point; `again` takes it from the video of the
   * previous call (a splice within one take: same framing on both sides).
   */
  footage(frames: number, again = false): Extract<Look, { kind: 'video' }> {
    const v = again && this.lastFootage ? this.lastFootage : this.pick(this.pools.unbroken);
    this.lastFootage = v;
    const entry = loadMedia().find((m) => m.file === v.file);
    if (entry) this.used.set(v.file, entry);
    const start = Math.max(0, this.between(0, v.duration - frames / this.canvas.fps - 0.5));
    return { kind: 'video', file: v.file, start: +start.toFixed(2), step: 1, hold: 1 };
  }

  /** A cut-in on a photo: a slow push on a detail of the picture the previous cut-in showed whole (or a new one). */
  cutIn(): Look {
    const again = this.lastPhoto !== undefined && this.random() < 0.6;
    const image = again ? this.lastPhoto! : this.media(this.pools.photos);
    this.lastPhoto = image;
    const z = again ? this.between(1.8, 2.6) : 1;
    const at: [number, number] = [+this.random().toFixed(2), +this.random().toFixed(2)];
    return { kind: 'kenburns', image, zoomFrom: z, zoomTo: +(z * this.between(1.05, 1.15)).toFixed(3), from: at, to: at };
  }

  /** Icon swaps over a backdrop: 2-4 large pictures, each replaced by the next in one frame. */
  swaps(frames: number): Look {
    const count = 2 + Math.floor(this.random() * 3);
    const at = Array.from({ length: count - 1 }, (_, k) => Math.round(((k + 1) * frames) / count));
    return { kind: 'swaps', image: this.media(this.pools.art), objects: Array.from({ length: count }, () => this.media([...this.pools.art, ...this.pools.photos])), at };
  }

  join(cutShare: number, gradual: readonly string[] = DISSOLVES): Join {
    if (this.random() < cutShare) return { kind: 'cut' };
    return { kind: 'gradual', transition: this.pick(gradual), frames: this.seconds(0.4, 1.6) };
  }

  flash(frames: number): ShotSpec['flash'] {
    if (this.random() > 0.3 || frames < this.canvas.fps) return undefined;
    return { at: Math.round(frames * this.between(0.3, 0.7)), frames: 1 + Math.floor(this.random() * 3), style: this.random() < 0.5 ? 'white' : 'bright' };
  }
}

// ---- the recipes: one per video, each leaning on some classes ---------------------------------

interface Recipe {
  name: string;
  canvas: Canvas;
  codec: Codec;
  gop: number;
  classes: string[];
  seconds: number;
  /** Seconds each shot holds clear of transitions (default 1.6-3.6). */
  clean?: [number, number];
  /** Shot `index`, given how many frames it should hold (a flat ramp sets its own). */
  shot: (c: Chooser, frames: number, index: number) => ShotSpec;
  join: (c: Chooser, index: number) => Join;
}

const RECIPES: Recipe[] = [
  {
    name: 'camera-cuts', canvas: { width: 640, height: 360, fps: 25 }, codec: 'h264', gop: 50, classes: ['camera', 'flash'], seconds: 18,
    shot: (c, f) => ({ look: c.camera(c.pools.photos, f), frames: f, noise: c.random() < 0.4 ? 10 : undefined, flash: c.flash(f) }),
    join: (c) => c.join(0.65, [...DISSOLVES, 'fadeblack', 'wipeleft']),
  },
  {
    name: 'on-twos-threes', canvas: { width: 480, height: 270, fps: 24 }, codec: 'vp8', gop: 120, classes: ['steps'], seconds: 16,
    shot: (c, f, i) => ({ look: i % 3 === 2 ? c.graphics(f) : c.camera([...c.pools.art, ...c.pools.photos], f), frames: f, cadence: c.pick([2, 2, 3]) }),
    join: (c) => c.join(0.7),
  },
  {
    name: 'pulldown-16.7-in-25', canvas: { width: 720, height: 576, fps: 25 }, codec: 'mpeg2', gop: 12, classes: ['steps', 'camera'], seconds: 16,
    shot: (c, f, i) => ({ look: (i % 3 === 1 && c.video(f)) || c.camera(c.pools.photos, f), frames: f, cadence: 1.5 }),
    join: (c) => c.join(0.6),
  },
  {
    name: 'low-rate-texture', canvas: { width: 640, height: 360, fps: 30 }, codec: 'mpeg4', gop: 300, classes: ['steps', 'texture'], seconds: 16,
    shot: (c, f, i) =>
      i % 3 === 1
        ? { look: { kind: 'life', rate: c.pick([4, 5, 6, 8]), seed: Math.floor(c.random() * 1000) }, frames: f }
        : { look: { kind: 'pan', image: c.media(c.pools.textures), dx: +c.between(0.5, 2).toFixed(2), dy: 0 }, frames: f, cadence: c.pick([4, 5, 6]) },
    join: (c) => c.join(0.6, WIPES),
  },
  {
    name: 'timelapse-game-capture', canvas: { width: 854, height: 480, fps: 30 }, codec: 'h264', gop: 250, classes: ['steps'], seconds: 16,
    shot: (c, f, i) =>
      i % 2 === 0
        ? { look: c.video(f, c.pick([4, 6, 8]), 2) ?? c.camera(c.pools.photos, f), frames: f }
        : { look: c.camera(c.pools.art, f), frames: f, cadence: 'irregular' },
    join: (c) => c.join(0.7, ['fadeblack', 'fade']),
  },
  {
    name: 'motion-graphics-hd', canvas: { width: 1280, height: 720, fps: 30 }, codec: 'h264', gop: 60, classes: ['graphics', 'flash'], seconds: 15,
    shot: (c, f) => ({ look: c.graphics(f), frames: f, flash: c.flash(f) }),
    join: (c) => c.join(0.6, [...DISSOLVES, 'slideleft', 'circleopen']),
  },
  {
    name: 'motion-graphics-theora', canvas: { width: 854, height: 480, fps: 25 }, codec: 'theora', gop: 64, classes: ['graphics'], seconds: 16,
    // Grain keeps every frame distinct: libtheora writes a repeated frame as an empty packet,
    // which decoders skip, and the truth's frame numbers would no longer hold.
    shot: (c, f) => ({ look: c.graphics(f), frames: f, blur: 4, noise: 5 }),
    join: (c) => c.join(0.6),
  },
  {
    name: 'texture-pan-shake', canvas: { width: 640, height: 360, fps: 50 }, codec: 'mjpeg', gop: 1, classes: ['texture', 'camera'], seconds: 14,
    shot: (c, f) => ({ look: c.camera(c.pools.textures, f), frames: f, noise: c.random() < 0.5 ? 14 : undefined }),
    join: (c) => c.join(0.75, DISSOLVES),
  },
  {
    name: 'dissolves', canvas: { width: 640, height: 360, fps: 30 }, codec: 'h264', gop: 30, classes: ['dissolve', 'camera'], seconds: 18,
    shot: (c, f, i) => ({ look: (i % 4 === 3 && c.video(f)) || c.camera(c.pools.photos, f), frames: f }),
    join: (c) => (c.random() < 0.15 ? { kind: 'cut' } : { kind: 'gradual', transition: c.pick(DISSOLVES), frames: c.seconds(0.5, 2.5) }),
  },
  {
    name: 'grey-fades', canvas: { width: 480, height: 360, fps: 24 }, codec: 'vp8', gop: 48, classes: ['flat-fade', 'flash'], seconds: 18,
    // Every third shot is a flat grey ramp: with its two joins, one slow fade (see mergeFlatFades).
    shot: (c, f, i) =>
      i % 3 === 1
        ? { look: { kind: 'flat', from: Math.round(c.between(16, 60)), to: Math.round(c.between(150, 235)) }, frames: c.seconds(1.5, 3) }
        : { look: c.camera(c.pools.photos, f), frames: f, flash: c.flash(f) },
    join: (c, i) => (i % 3 !== 2 ? { kind: 'gradual', transition: 'fade', frames: c.seconds(0.4, 1) } : c.join(0.5, ['fadeblack', 'fadewhite'])),
  },
  {
    name: 'mixed-real-video', canvas: { width: 960, height: 540, fps: 25 }, codec: 'msmpeg4', gop: 100, classes: ['camera', 'dissolve', 'texture'], seconds: 16,
    shot: (c, f, i) => ({ look: (i % 2 === 0 && c.video(f)) || c.camera([...c.pools.photos, ...c.pools.textures], f), frames: f, flash: c.flash(f) }),
    join: (c) => c.join(0.5, [...DISSOLVES, ...WIPES, 'fadewhite']),
  },
  {
    name: 'low-res-15fps', canvas: { width: 320, height: 240, fps: 15 }, codec: 'mpeg4', gop: 15, classes: ['camera', 'graphics', 'steps', 'flash'], seconds: 20,
    shot: (c, f, i) => ({ look: i % 3 === 0 ? c.graphics(f) : c.camera(c.pools.photos, f), frames: f, cadence: i % 4 === 1 ? 2 : undefined, flash: c.flash(f) }),
    join: (c) => c.join(0.6, [...DISSOLVES, 'fadeblack', 'wiperight']),
  },
  {
    // Trailer-like editing: many short shots (some under --min-clip), mostly hard cuts.
    name: 'trailer-fast-cuts', canvas: { width: 1280, height: 720, fps: 24 }, codec: 'h264', gop: 48, classes: ['camera', 'graphics', 'flash'], seconds: 16, clean: [0.7, 2],
    shot: (c, f, i) => ({ look: (i % 4 === 2 && c.video(f)) || (i % 5 === 4 ? c.graphics(f) : c.camera(c.pools.photos, f)), frames: f, flash: c.flash(f) }),
    join: (c) => c.join(0.85, [...DISSOLVES, 'fadeblack']),
  },
  // Added after the recipes above (their seeds and media do not move): the classes that failed on
  // the annotated real videos.
  {
    // Splices in old film: takes of one fixed-camera video cut together (same framing on both sides),
    // under heavy flicker, jitter, scratches and grain; some takes end over-exposed.
    name: 'old-film-splices', canvas: { width: 320, height: 240, fps: 16 }, codec: 'theora', gop: 64, classes: ['splice'], seconds: 18, clean: [1.2, 3],
    shot: (c, f, i) => ({
      look: i % 4 === 3 ? c.camera(c.pools.photos, f) : c.footage(f, i % 4 !== 0),
      frames: f,
      damage: { seed: i, burn: c.random() < 0.3 ? 1 + Math.floor(c.random() * 2) : undefined },
    }),
    join: (c) => c.join(0.9, ['fadeblack']),
  },
  {
    // Cuts to and from TV snow (fresh noise every frame: within the snow every frame differs a lot).
    name: 'tv-snow-cuts', canvas: { width: 640, height: 480, fps: 25 }, codec: 'h264', gop: 50, classes: ['snow'], seconds: 18, clean: [1, 3],
    shot: (c, f, i) => ({ look: i % 2 === 1 ? { kind: 'snow', seed: i } : i % 4 === 0 ? c.footage(f) : c.camera(c.pools.photos, f), frames: f }),
    join: (c) => c.join(0.85, ['fade']),
  },
  {
    // Motion graphics in long shots: icon swaps, typography, fly-ins, zooms on one backdrop each,
    // few transitions between them.
    name: 'graphics-long-shots', canvas: { width: 480, height: 352, fps: 30 }, codec: 'h264', gop: 250, classes: ['graphics'], seconds: 24, clean: [4, 7],
    shot: (c, f, i) => ({ look: i % 2 === 0 ? c.swaps(f) : c.graphics(f), frames: f }),
    join: (c) => c.join(0.5, [...DISSOLVES, 'slideleft']),
  },
  // Added later again, same rule.
  {
    // Coverage of one scene, as real editing cuts it: wide shots and close-ups of the same real take
    // from other moments, and cut-ins on a photo (wide, then a slow push on a detail of it). Both
    // sides of each cut share colours, light and often framing.
    name: 'coverage-cuts', canvas: { width: 854, height: 480, fps: 30 }, codec: 'h264', gop: 90, classes: ['coverage'], seconds: 22, clean: [1.2, 3],
    shot: (c, f, i) => {
      if (i % 5 === 4) return { look: c.cutIn(), frames: f };
      const look = c.footage(f, i % 5 !== 0);
      const close = i % 2 === 1;
      return { look: close ? { ...look, zoom: { factor: +c.between(1.6, 2.6).toFixed(2), cx: +c.random().toFixed(2), cy: +c.random().toFixed(2) } } : look, frames: f };
    },
    join: (c) => c.join(0.9, ['fade']),
  },
];

/** The shots and joins of a recipe: shots clear of transitions for its `clean` seconds, up to its length. */
function specOf(recipe: Recipe, seed: number, split: Split, p: Pools): { spec: RealSpec; media: MediaEntry[] } {
  const c = new Chooser(seed, p, recipe.canvas);
  const fps = recipe.canvas.fps;
  const shots: ShotSpec[] = [];
  const joins: Join[] = [];
  let total = 0;
  let incoming = 0;
  let pendingJoin: Join = { kind: 'cut' };
  // A video never ends on a flat ramp: the ramp is the middle of a fade into the next shot.
  for (let i = 0; total < recipe.seconds * fps || shots.at(-1)?.look.kind === 'flat'; i++) {
    const join = recipe.join(c, i);
    const outgoing = join.kind === 'gradual' ? join.frames : 0;
    const clean = c.seconds(...(recipe.clean ?? [1.6, 3.6]));
    const shot = recipe.shot(c, incoming + clean + outgoing, i);
    // A flat ramp sets its own length and is all transition.
    const frames = shot.look.kind === 'flat' ? Math.max(shot.frames, incoming + outgoing + 4) : incoming + clean + outgoing;
    shots.push({ ...shot, frames });
    if (i > 0) joins.push(pendingJoin);
    pendingJoin = join;
    // Frames so far, up to where this shot's outgoing transition starts.
    total += frames - outgoing;
    incoming = outgoing;
  }
  return {
    spec: { name: recipe.name, split, ...recipe.canvas, codec: recipe.codec, gop: recipe.gop, classes: recipe.classes, shots, joins },
    media: [...c.used.values()],
  };
}

/** A flat ramp with a gradual join on each side is one slow grey fade: one gradual truth. */
function mergeFlatFades(spec: RealSpec, truth: Truth): Truth {
  const gradualIndex: number[] = [];
  let g = 0;
  for (const j of spec.joins) gradualIndex.push(j.kind === 'gradual' ? g++ : -1);
  const merged: Truth['gradual'] = [];
  const skip = new Set<number>();
  truth.gradual.forEach((span, k) => {
    if (skip.has(k)) return;
    const joinIndex = gradualIndex.indexOf(k);
    const flat = spec.shots[joinIndex + 1]?.look.kind === 'flat';
    const after = gradualIndex[joinIndex + 1];
    if (flat && after >= 0) {
      merged.push({ startFrame: span.startFrame, endFrame: truth.gradual[after].endFrame, transition: 'greyfade' });
      skip.add(after);
    } else merged.push(span);
  });
  return { ...truth, gradual: merged };
}

export function corpusDir(split: Split | `train-${number}`): string {
  return path.join(process.env.CLIPMILL_SHOTS_CORPUS ?? '/work/cache/shots-corpus', split);
}

function frameCount(file: string): number {
  const res = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  // MPEG-2 side data adds empty csv fields after the count.
  return parseInt(res.stdout, 10);
}

async function build(spec: RealSpec, media: MediaEntry[], dir: string): Promise<CorpusVideo> {
  const enc = ENCODE[spec.codec];
  const file = path.join(dir, `${spec.name}.${enc.ext}`);
  const truthFile = path.join(dir, `${spec.name}.json`);
  const inputs: string[] = [];
  const chains: string[] = [];
  let inputCount = 0;
  spec.shots.forEach((shot, i) => {
    chains.push(shotChain(shot, i, inputCount, spec));
    for (const inp of lookInputs(shot.look)) {
      // One decoding thread: a seek into an H.264 source can start on frames that need references
      // it lacks, and with several threads their concealment differs from run to run.
      if (inp.video) inputs.push('-threads', '1', '-ss', `${inp.start ?? 0}`);
      inputs.push('-i', `file:${inp.file}`);
      inputCount++;
    }
  });
  const { parts, truth } = joinScenes(spec.shots, spec.joins, spec.fps);
  const args = [...SAME_ON_ANY_CPU, ...inputs, '-filter_complex', [...chains, ...parts].join(';'), '-map', '[out]', ...enc.args(spec.gop), '-threads', `${ENCODER_THREADS}`, '-an'];
  // The command itself is the cache key: any change to the spec or the chains rebuilds the video.
  const specHash = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
  if (existsSync(file) && existsSync(truthFile)) {
    const cached = JSON.parse(readFileSync(truthFile, 'utf8')) as CorpusTruth;
    if (cached.specHash === specHash) return { file, truth: cached };
  }
  if (process.env.CORPUS_DEBUG) writeFileSync(`${file}.args.json`, JSON.stringify(args));
  await runFfmpeg([...args, '-y', `file:${file}`]);
  const decoded = frameCount(file);
  if (decoded !== truth.frameCount) throw new Error(`${file}: ${decoded} frames decoded, the construction made ${truth.frameCount}`);
  const full: CorpusTruth = {
    name: spec.name,
    split: spec.split,
    fps: spec.fps,
    width: spec.width,
    height: spec.height,
    codec: spec.codec,
    gop: spec.gop,
    classes: spec.classes,
    ...mergeFlatFades(spec, truth),
    media: media.map((m) => ({ package: m.package, inside: m.inside, sha256: m.sha256 })),
    specHash,
  };
  writeFileSync(truthFile, JSON.stringify(full, null, 1) + '\n');
  return { file, truth: full };
}

/** Builds (or reuses) every video of a split. */
export function realCorpus(split: Split, only?: RegExp): Promise<CorpusVideo[]> {
  return buildAll(corpusDir(split), split, (i) => (split === 'dev' ? 1000 : 9000) + i * 17, only);
}

/**
 * Videos for training the boundary verifier: every recipe again from the dev split's media with
 * seeds of their own (round 0, 1, ...), in `<corpus>/train-<round>`. Never from held-out media.
 */
export function trainingCorpus(round: number): Promise<CorpusVideo[]> {
  return buildAll(corpusDir(`train-${round}`), 'dev', (i) => 20000 + round * 1000 + i * 17);
}

async function buildAll(dir: string, split: Split, seedOf: (recipeIndex: number) => number, only?: RegExp): Promise<CorpusVideo[]> {
  mkdirSync(dir, { recursive: true });
  const p = pools(split);
  const out: CorpusVideo[] = [];
  for (const [i, recipe] of RECIPES.entries()) {
    if (only && !only.test(recipe.name)) continue;
    const { spec, media } = specOf(recipe, seedOf(i), split, p);
    out.push(await build(spec, media, dir));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--split');
  const which = at > 0 ? process.argv[at + 1] : 'all';
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt > 0 ? new RegExp(process.argv[onlyAt + 1]) : undefined;
  for (const split of (which === 'all' ? ['dev', 'heldout'] : [which]) as Split[]) {
    for (const v of await realCorpus(split, only)) {
      const t = v.truth;
      console.log(`${split} ${path.basename(v.file)}: ${t.codec} ${t.width}x${t.height}@${t.fps} gop ${t.gop}, ${t.frameCount} frames, ${t.cuts.length} cuts, ${t.gradual.length} gradual, ${t.flashes.length} flashes [${t.classes.join(', ')}]`);
    }
  }
}
