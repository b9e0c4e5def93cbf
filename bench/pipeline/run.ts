/**
 * End-to-end cost of `clipmill run` against a bare decode (`ffmpeg -i f -map 0:v:0 -f null -`)
 * and one bare transcode of the same files with clipmill's own clip encoder settings
 * (videoEncoderArgs of the default config, at most 720 lines), all in the same run and taking turns
 * for --repeat rounds; medians of wall and CPU seconds (CPU: every finished child process,
 * ffmpeg included). Also the footage yield, the share of the input's seconds that ends in kept
 * clips, and where clipmill's time goes per stage (from the records' timings).
 *
 *   node --import tsx bench/pipeline/run.ts [--corpus generated|synthetic|annotated] [--split dev|heldout]
 *        [--videos 4] [--seconds 20] [--size 1280x720] [--workers 2] [--repeat 3] [--min-clip SEC] [FILE...]
 *
 * Corpora: `generated` (lavfi videos of four shots each, --videos/--seconds/--size), `synthetic`
 * (bench/shots' videos built from real photos and video shots), `annotated` (bench/shots' real
 * videos annotated by eye), or the files given. clipmill runs as users run it, the compiled
 * command (bin/clipmill.js; run `npm run build` first).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { defaultConfig } from '../../src/config/schema.js';
import { videoEncoderArgs } from '../../src/media/extract-plan.js';
import { probe } from '../../src/media/probe.js';
import { RecordStore } from '../../src/store/record-store.js';
import type { SourceRecord } from '../../src/types.js';
import { cutVideo } from '../../test/helpers/media.js';
import type { Split } from '../media/manifest.js';
import { realCorpus } from '../shots/real-corpus.js';
import { annotatedVideos } from '../shots/real-truth.js';

const exec = promisify(execFile);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    corpus: { type: 'string', default: 'generated' },
    split: { type: 'string', default: 'dev' },
    videos: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '20' },
    size: { type: 'string', default: '1280x720' },
    workers: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
    'min-clip': { type: 'string' },
  },
});
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLIPMILL = path.join(ROOT, 'bin/clipmill.js');
const SCENES = ['testsrc2', 'mandelbrot', 'life=ratio=0.5:mold=10', 'cellauto=rule=110'];

/** CPU seconds of this process's finished (waited-for) children and their descendants: cutime + cstime. */
function childrenCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu = childrenCpu();
  const t = performance.now();
  await fn();
  return { wall: (performance.now() - t) / 1000, cpu: childrenCpu() - cpu };
}

/** Runs `fn` over the files with the same concurrency as clipmill's workers. */
async function overFiles(files: string[], fn: (f: string) => Promise<unknown>): Promise<void> {
  const queue = [...files];
  await Promise.all(Array.from({ length: Number(values.workers) }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) await fn(f);
  }));
}

async function generated(dir: string): Promise<string[]> {
  const fps = 30;
  const shotFrames = Math.round((Number(values.seconds) * fps) / 4);
  const files: string[] = [];
  for (let i = 0; i < Number(values.videos); i++) {
    const file = path.join(dir, `v${i}.mp4`);
    await cutVideo(file, [0, 1, 2, 3].map((k) => ({ source: SCENES[(i + k) % SCENES.length], frames: shotFrames })), values.size, fps);
    files.push(file);
  }
  return files;
}

async function corpusFiles(dir: string): Promise<{ label: string; files: string[] }> {
  if (positionals.length > 0) return { label: `${positionals.length} files given`, files: positionals.map((f) => path.resolve(f)) };
  const split = values.split as Split;
  switch (values.corpus) {
    case 'synthetic':
      return { label: `bench/shots synthetic from real media, ${split}`, files: (await realCorpus(split)).map((v) => v.file) };
    case 'annotated':
      return { label: `bench/shots real videos annotated by eye, ${split}`, files: annotatedVideos(split).map((v) => v.file) };
    default:
      return { label: `generated: ${values.videos} videos x ${values.seconds} s, ${values.size} @ 30 fps, 4 shots each`, files: await generated(dir) };
  }
}

/** clipmill's clip encoding, as one whole-file transcode (no audio, at most the clip height). */
function transcodeArgs(file: string, out: string): string[] {
  const cfg = defaultConfig().extract;
  return ['-nostdin', '-v', 'error', '-y', '-i', file, '-map', '0:v:0', '-an', '-vf', `scale=-2:2*trunc(min(${cfg.maxHeight}\\,ih)/2)`,
    ...videoEncoderArgs(cfg).args, '-fps_mode', 'passthrough', out];
}

interface RunFigures {
  keptSec: number;
  inputSec: number;
  stages: Record<string, number>;
  dropped: Record<string, number>;
}

/** Yield, stage seconds and drop reasons from a finished run's source records. */
async function readRun(out: string): Promise<RunFigures> {
  const figures: RunFigures = { keptSec: 0, inputSec: 0, stages: {}, dropped: {} };
  for await (const entry of new RecordStore(out).files()) {
    if (entry.kind !== 'record') continue;
    const record = JSON.parse(readFileSync(entry.file, 'utf8')) as SourceRecord;
    figures.inputSec += record.probe?.durationSec ?? 0;
    for (const clip of record.clips) {
      if (clip.status === 'kept') figures.keptSec += clip.duration;
      else {
        const why = clip.reason.split(':')[0];
        figures.dropped[why] = (figures.dropped[why] ?? 0) + clip.duration;
      }
    }
    for (const [stage, s] of Object.entries(record.timings)) if (stage !== 'total') figures.stages[stage] = (figures.stages[stage] ?? 0) + s;
  }
  return figures;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('clipmill is not built: run `npm run build` first');
const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-bench-pipeline-'));
try {
  const { label, files } = await corpusFiles(dir);
  let inputSec = 0;
  for (const f of files) inputSec += (await probe(f)).durationSec;
  const steps = ['decode', 'transcode', 'run'] as const;
  const wall: Record<(typeof steps)[number], number[]> = { decode: [], transcode: [], run: [] };
  const cpu: Record<(typeof steps)[number], number[]> = { decode: [], transcode: [], run: [] };
  let last: RunFigures | undefined;
  const minClip = values['min-clip'] ? ['--min-clip', values['min-clip']] : [];
  for (let round = 0; round < Number(values.repeat); round++) {
    const out = path.join(dir, `out-${round}`);
    const runs: Record<(typeof steps)[number], () => Promise<unknown>> = {
      decode: () => overFiles(files, (f) => exec('ffmpeg', ['-nostdin', '-v', 'error', '-i', f, '-map', '0:v:0', '-f', 'null', '-'])),
      transcode: () => overFiles(files, (f) => exec('ffmpeg', transcodeArgs(f, path.join(dir, `${path.basename(f)}.t.mp4`)))),
      run: () => exec(process.execPath, [CLIPMILL, 'run', ...files, '--out', out, '--workers', values.workers!, ...minClip], { env: { ...process.env, CI: '1' } }),
    };
    for (const step of steps) {
      const t = await timed(runs[step]);
      wall[step].push(t.wall);
      cpu[step].push(t.cpu);
    }
    last = await readRun(out);
    await rm(out, { recursive: true, force: true });
  }
  const m = Object.fromEntries(steps.map((s) => [s, { wall: median(wall[s]), cpu: median(cpu[s]) }])) as Record<(typeof steps)[number], { wall: number; cpu: number }>;
  console.log(`${label}: ${files.length} files, ${inputSec.toFixed(1)} s of video; ${values.workers} at a time; median of ${values.repeat} rounds\n`);
  console.log('| | wall s | CPU s | video-s per wall-s |');
  console.log('| --- | --- | --- | --- |');
  const row = (name: string, v: { wall: number; cpu: number }) => console.log(`| ${name} | ${v.wall.toFixed(2)} | ${v.cpu.toFixed(2)} | ${(inputSec / v.wall).toFixed(1)} |`);
  row('bare decode', m.decode);
  row('bare transcode (clipmill encoder settings)', m.transcode);
  row('`clipmill run`', m.run);
  console.log(`\nclipmill run / bare transcode: ${(m.run.wall / m.transcode.wall).toFixed(2)}x wall, ${(m.run.cpu / m.transcode.cpu).toFixed(2)}x CPU`);
  if (last) {
    console.log(`footage yield: ${((100 * last.keptSec) / last.inputSec).toFixed(1)}% (${last.keptSec.toFixed(1)} of ${last.inputSec.toFixed(1)} s in kept clips)`);
    const dropped = Object.entries(last.dropped).sort((a, b) => b[1] - a[1]).map(([why, s]) => `${why} ${s.toFixed(1)} s`);
    console.log(`dropped: ${dropped.join(', ') || 'nothing'}`);
    const total = Object.values(last.stages).reduce((a, b) => a + b, 0);
    const stages = Object.entries(last.stages).sort((a, b) => b[1] - a[1]).map(([s, t]) => `${s} ${t.toFixed(2)} s (${((100 * t) / total).toFixed(0)}%)`);
    console.log(`stage seconds, summed over sources (last round): ${stages.join(', ')}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
