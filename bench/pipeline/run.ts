/**
 * End-to-end throughput of `clipmill run` on generated videos, against two baselines measured in
 * the same run on the same inputs: a bare decode (`ffmpeg -f null`) and a bare full transcode to
 * H.264 with the clip settings. Prints video-seconds per wall-second and the ratios.
 *
 * clipmill decodes each source twice (analysis, then extraction of the kept spans) and encodes the
 * kept clips, so its floor is about one bare decode plus one bare transcode. The three
 * measurements take turns for --repeat rounds and the median is printed, so that load from other
 * processes falls on all of them.
 *
 *   node --import tsx bench/pipeline/run.ts [--videos 6] [--seconds 20] [--size 1280x720] [--workers 2] [--repeat 3]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CLI_ARGS } from '../../test/helpers/cli.js';
import { cutVideo } from '../../test/helpers/media.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    videos: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '20' },
    size: { type: 'string', default: '1280x720' },
    workers: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
  },
});
const videos = Number(values.videos);
const seconds = Number(values.seconds);
const fps = 30;
const scenes = ['testsrc2', 'mandelbrot', 'life=ratio=0.5:mold=10', 'cellauto=rule=110'];

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Runs `fn` over the files with the same concurrency as clipmill's workers. */
async function overFiles(files: string[], fn: (f: string) => Promise<unknown>): Promise<void> {
  const queue = [...files];
  await Promise.all(Array.from({ length: Number(values.workers) }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) await fn(f);
  }));
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-bench-pipeline-'));
try {
  const files: string[] = [];
  const shotFrames = Math.round((seconds * fps) / 4);
  for (let i = 0; i < videos; i++) {
    const file = path.join(dir, `v${i}.mp4`);
    await cutVideo(file, [0, 1, 2, 3].map((k) => ({ source: scenes[(i + k) % scenes.length], frames: shotFrames })), values.size, fps);
    files.push(file);
  }
  const total = videos * seconds;
  const times: Record<'decode' | 'transcode' | 'run', number[]> = { decode: [], transcode: [], run: [] };
  for (let round = 0; round < Number(values.repeat); round++) {
    times.decode.push(await timed(() => overFiles(files, (f) => exec('ffmpeg', ['-v', 'error', '-i', f, '-map', '0:v:0', '-f', 'null', '-']))));
    times.transcode.push(await timed(() => overFiles(files, (f) =>
      exec('ffmpeg', ['-v', 'error', '-y', '-i', f, '-map', '0:v:0', '-vf', 'scale=-2:min(720\\,ih)', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', path.join(dir, `${path.basename(f)}.t.mp4`)]))));
    const out = path.join(dir, `out-${round}`);
    times.run.push(await timed(() => exec(process.execPath, [...CLI_ARGS, 'run', ...files, '--out', out, '--workers', String(values.workers), '--min-clip', '1'], { env: { ...process.env, CI: '1' } })));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [decode, transcode, run] = [median(times.decode), median(times.transcode), median(times.run)];
  const rate = (s: number) => (total / s).toFixed(1);
  console.log(`inputs: ${videos} videos x ${seconds} s, ${values.size} @ ${fps} fps, 4 shots each; ${values.workers} at a time; median of ${values.repeat} rounds`);
  console.log(`bare decode (ffmpeg -f null):          ${decode.toFixed(2)} s  ${rate(decode)} video-s/s`);
  console.log(`bare transcode (x264 veryfast, <=720p): ${transcode.toFixed(2)} s  ${rate(transcode)} video-s/s`);
  console.log(`clipmill run (all stages + pack):      ${run.toFixed(2)} s  ${rate(run)} video-s/s`);
  console.log(`clipmill run time / (bare decode + bare transcode): ${(run / (decode + transcode)).toFixed(2)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
