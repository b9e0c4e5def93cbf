/** Test fixtures made with ffmpeg, so the truth of every file is known by construction. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * Runs ffmpeg quietly with the given arguments (output path last), so that the fixture holds the
 * same pictures on every machine: ffmpeg's own code as C alone (its SIMD code, picked by the CPU's
 * instruction sets, rounds otherwise: scaling, IDCTs, its MPEG and MJPEG encoders' DCTs), and one
 * encoder thread unless the arguments name a count (the default follows the cores, and the x264,
 * MPEG-2/4, VP8 and Theora encoders write other pictures for other counts).
 */
export async function ffmpeg(args: string[]): Promise<void> {
  await exec('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-cpuflags', '0', ...withEncoderThreads(args)], { maxBuffer: 1 << 26 });
}

function withEncoderThreads(args: string[]): string[] {
  const output = args.slice(args.lastIndexOf('-i') + 2);
  return output.includes('-threads') ? args : [...args.slice(0, -1), '-threads', '1', ...args.slice(-1)];
}

/**
 * x264 with one thread: its output depends on the thread count, which follows the machine's cores,
 * and a fixture must be the same bytes on every machine.
 */
const X264 = ['-c:v', 'libx264', '-threads', '1'];

/** A lavfi source encoded to H.264 MP4: e.g. lavfiVideo(out, 'testsrc2=s=160x90:r=25', 2). */
export async function lavfiVideo(out: string, source: string, seconds: number, extra: string[] = []): Promise<string> {
  await ffmpeg(['-f', 'lavfi', '-i', `${source}:d=${seconds}`, ...X264, '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...extra, out]);
  return out;
}

/**
 * Several lavfi sources joined by hard cuts. Returns the frame index of each cut (the first frame
 * of every shot after the first), known from the shot lengths.
 */
export async function cutVideo(out: string, shots: { source: string; frames: number }[], size = '160x90', fps = 25): Promise<number[]> {
  const withOptions = (source: string) => `${source}${source.includes('=') ? ':' : '='}s=${size}:r=${fps}`;
  const inputs = shots.flatMap((s) => ['-f', 'lavfi', '-i', withOptions(s.source)]);
  const parts = shots.map((s, i) => `[${i}:v]trim=end_frame=${s.frames},setpts=PTS-STARTPTS,format=yuv420p[v${i}]`);
  const graph = `${parts.join(';')};${shots.map((_, i) => `[v${i}]`).join('')}concat=n=${shots.length}:v=1:a=0[out]`;
  await ffmpeg([...inputs, '-filter_complex', graph, '-map', '[out]', ...X264, '-preset', 'ultrafast', '-g', '50', out]);
  const cuts: number[] = [];
  let at = 0;
  for (const s of shots.slice(0, -1)) cuts.push((at += s.frames));
  return cuts;
}

/** The average colour of a JPEG as [r, g, b], decoded by ffmpeg down to one pixel. */
export async function jpegMeanColour(jpeg: Buffer): Promise<[number, number, number]> {
  const out = await new Promise<Buffer>((resolve, reject) => {
    const args = ['-v', 'error', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', 'pipe:0', '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
    const child = execFile('ffmpeg', args, { encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin!.end(jpeg);
  });
  return [out[0]!, out[1]!, out[2]!];
}

export interface TempDir {
  path: string;
  file(name: string): string;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'clipmill-test-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, file: (name) => path.join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) };
}
