/**
 * The videos the analysis benchmarks run on: the real videos of bench/media's manifest (fetched on
 * first use), and synthetic ones: 8 s of a slow pan over a real photo (or testsrc2 when no photo
 * was fetched), with light grain, in the codecs real footage comes in, 480p-1080p, made once into
 * the media cache (a file already there is reused).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadMedia, mediaCache } from '../media/manifest.js';

const exec = promisify(execFile);

const SECONDS = 8;
const FPS = 25;

const ENCODINGS: { name: string; width: number; height: number; args: string[] }[] = [
  { name: 'h264-1080p.mp4', width: 1920, height: 1080, args: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'] },
  { name: 'h264-720p.mp4', width: 1280, height: 720, args: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'] },
  { name: 'mpeg4-720p.avi', width: 1280, height: 720, args: ['-c:v', 'mpeg4', '-q:v', '5', '-pix_fmt', 'yuv420p'] },
  { name: 'mpeg2-576p.mpg', width: 720, height: 576, args: ['-c:v', 'mpeg2video', '-q:v', '5', '-pix_fmt', 'yuv420p'] },
  { name: 'vp8-720p.webm', width: 1280, height: 720, args: ['-c:v', 'libvpx', '-b:v', '2M', '-deadline', 'realtime', '-cpu-used', '8', '-pix_fmt', 'yuv420p'] },
  { name: 'mjpeg-720p.avi', width: 1280, height: 720, args: ['-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p'] },
  { name: 'theora-480p.ogv', width: 854, height: 480, args: ['-c:v', 'libtheora', '-q:v', '6', '-pix_fmt', 'yuv420p'] },
  { name: 'msvideo1-480p.avi', width: 640, height: 480, args: ['-c:v', 'msvideo1', '-pix_fmt', 'rgb555le'] },
];

function source(photo: string | undefined, width: number, height: number): string[] {
  const grain = 'noise=alls=4:allf=t';
  if (!photo) return ['-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=${FPS}:d=${SECONDS}`, '-vf', grain];
  // Scaled to 1.25x the frame and panned diagonally across the margin over the clip.
  const pan = `scale=${Math.round(width * 1.25)}:${Math.round(height * 1.25)},setsar=1,crop=${width}:${height}:x='(iw-ow)*t/${SECONDS}':y='(ih-oh)*t/${SECONDS}'`;
  return ['-loop', '1', '-framerate', String(FPS), '-t', String(SECONDS), '-i', photo, '-vf', `${pan},${grain}`];
}

async function syntheticVideos(dir: string, photo: string | undefined): Promise<BenchFile[]> {
  const out: BenchFile[] = [];
  for (const e of ENCODINGS) {
    const file = path.join(dir, `${photo ? 'photo' : 'testsrc'}-${e.name}`);
    if (!existsSync(file)) {
      const tmp = `${file}.part${path.extname(file)}`;
      await exec('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...source(photo, e.width, e.height), ...e.args, '-an', tmp]);
      await rename(tmp, file);
    }
    out.push({ name: `synthetic ${e.name}`, file });
  }
  return out;
}

export interface BenchFile {
  name: string;
  file: string;
}

/**
 * The files named in argv when there are any; else real and synthetic videos (`--real-only` or
 * `--synthetic-only` keeps one kind).
 */
export async function benchFiles(argv: string[]): Promise<BenchFile[]> {
  const named = argv.slice(2).filter((a) => !a.startsWith('--') && existsSync(a));
  if (named.length > 0) return named.map((file) => ({ name: path.basename(file), file }));
  const media = loadMedia();
  const files: BenchFile[] = [];
  if (!argv.includes('--synthetic-only')) {
    for (const m of media.filter((e) => e.kind === 'video')) files.push({ name: path.basename(m.file), file: m.file });
  }
  if (!argv.includes('--real-only')) {
    const dir = path.join(mediaCache(), 'analysis-synthetic');
    await mkdir(dir, { recursive: true });
    files.push(...(await syntheticVideos(dir, media.find((e) => e.kind === 'photo')?.file)));
  }
  return files;
}
