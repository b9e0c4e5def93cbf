/**
 * Analysis speed benchmark, every step timed in the same run on the same files:
 *   bare      `ffmpeg -i f -map 0:v:0 -f null -` (what the issue measures against)
 *   ffmpeg    the frame reader's own ffmpeg command, output thrown away (decode + scale + showinfo)
 *   exact     readFrames into node with the decode shortcuts off (full decode, as before)
 *   reader    readFrames into node, shortcuts on (source codec and size given)
 *   +detect   reader + ShotDetector
 *   analyse   the real analyseVideo (src/pipeline/analyse.ts: reader + detector + quality signals)
 *   psd       PySceneDetect's adaptive detector (OpenCV backend, defaults), when its source is found:
 *             the whole python process (interpreter start and imports, about 0.6 s, included)
 *   psd-work  the same runs, their opening and detecting alone, as the script itself times them
 *             (wall, and CPU of all its threads): what a batch over many files pays per file
 *   cli       `clipmill inspect FILE --json`, the whole process (node start, module loading and
 *             the verifier included), as a user runs it: to compare with psd
 *   base      with --baseline-root DIR: analyseVideo of another checkout (an export of an earlier
 *             commit: `git archive REV src package.json | tar -x -C DIR` plus a node_modules link)
 * Figures are frames per second of wall time and CPU milliseconds per frame, median of --reps runs
 * (the machine is shared). In-process, analyse compares with psd-work; as whole processes, cli with psd.
 *
 *   node --import tsx bench/analysis/run.ts [--reps 3] [--baseline-root DIR] [--steps bare,analyse,psd]
 *        [--real-only | --synthetic-only | FILE...] [--max-frames 3000]
 *
 * Real files: the videos of bench/media's manifest (fetched on first use). Synthetic files: a pan
 * over a real photo in several codecs at 480p-1080p, made once into the media cache.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FFMPEG, ffmpegInput } from '../../src/media/ffmpeg.js';
import { analysisSize, frameReaderArgs, readFrames, type FrameReaderOptions } from '../../src/media/frames.js';
import { isInterlaced, probe } from '../../src/media/probe.js';
import { analyseVideo } from '../../src/pipeline/analyse.js';
import { ShotDetector } from '../../src/segment/detector.js';
import type { ProbeInfo } from '../../src/types.js';
import { benchFiles } from './files.js';

const ANALYSIS_WIDTH = 160;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const STEPS = ['bare', 'ffmpeg', 'exact', 'reader', '+detect', 'analyse', 'base', 'psd', 'psd-work', 'cli'] as const;
type Step = (typeof STEPS)[number];

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** analyseVideo of the checkout given by --baseline-root, if any. */
async function baselineAnalyse(): Promise<typeof analyseVideo | undefined> {
  const at = process.argv.indexOf('--baseline-root');
  if (at < 0) return undefined;
  const root = path.resolve(process.argv[at + 1]);
  process.argv.splice(at, 2);
  return (await import(pathToFileURL(path.join(root, 'src/pipeline/analyse.ts')).href)).analyseVideo;
}
const baseline = await baselineAnalyse();

/** The steps --steps names (all by default). */
function chosenSteps(): Set<Step> {
  const at = process.argv.indexOf('--steps');
  if (at < 0) return new Set(STEPS);
  const names = process.argv.splice(at, 2)[1].split(',');
  return new Set(STEPS.filter((s) => names.includes(s)));
}
const chosen = chosenSteps();

/** Runs a command to its end, output discarded; rejects on a non-zero exit. */
function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exit ${code}: ${err}`))));
  });
}

/** Where PySceneDetect's source is, or undefined (the step is skipped with a message). */
function pySceneDetectPath(): string | undefined {
  const candidates = [process.env.PYSCENEDETECT_SRC, '/work/cache/pyscenedetect'].filter(Boolean) as string[];
  return candidates.find((dir) => existsSync(path.join(dir, 'scenedetect', '__init__.py')));
}

async function countFrames(opts: FrameReaderOptions, file: string, detector?: ShotDetector): Promise<number> {
  let n = 0;
  for await (const frame of readFrames(file, opts)) {
    detector?.push(frame);
    n++;
  }
  detector?.finish();
  return n;
}

/** A step's own account of its time, for one that times itself inside a process it starts. */
interface SelfTimed {
  wall: number;
  cpu: number;
}

/** PySceneDetect's run of one file; the script prints its own time beside the cuts. */
async function pySceneDetectRun(file: string, psd: string): Promise<SelfTimed> {
  const out = await run('/usr/bin/python3', [path.join(HERE, 'pyscenedetect_adaptive.py'), file], { ...process.env, PYTHONPATH: psd });
  const { wall, cpu } = JSON.parse(out) as SelfTimed;
  return { wall, cpu };
}

const CLI = path.join(HERE, '../../bin/clipmill.js');

function stepsFor(file: string, info: ProbeInfo, psd: string | undefined): Record<Step, (() => Promise<unknown>) | undefined> {
  const size = analysisSize(info.video.width, info.video.height, ANALYSIS_WIDTH);
  const base: FrameReaderOptions = { ...size, deinterlace: isInterlaced(info) };
  const withSource: FrameReaderOptions = { ...base, source: info.video };
  return {
    bare: () => run(FFMPEG, ['-nostdin', '-v', 'error', '-i', ffmpegInput(file), '-map', '0:v:0', '-f', 'null', '-']),
    ffmpeg: () => run(FFMPEG, frameReaderArgs(file, withSource).slice(0, -1).concat('-y', '/dev/null')),
    exact: () => countFrames({ ...base, exact: true }, file),
    reader: () => countFrames(withSource, file),
    '+detect': () => countFrames(withSource, file, new ShotDetector({ fps: info.video.fps || 25 })),
    analyse: () => analyseVideo(file, info, { analysisWidth: ANALYSIS_WIDTH, threshold: 1 }),
    base: baseline ? () => baseline(file, info, { analysisWidth: ANALYSIS_WIDTH, threshold: 1 }) : undefined,
    psd: psd ? () => pySceneDetectRun(file, psd) : undefined,
    'psd-work': undefined, // read off each psd run
    cli: () => run(process.execPath, [CLI, 'inspect', file, '--json']),
  };
}

/** CPU seconds of this process's finished (waited-for) children: cutime + cstime of /proc/self/stat. */
function childrenCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** Wall seconds and CPU seconds (node and its children together; steady when the machine is shared), and what `fn` returned. */
async function timed(fn: () => Promise<unknown>): Promise<SelfTimed & { result: unknown }> {
  const cpu0 = process.cpuUsage();
  const child0 = childrenCpu();
  const t0 = performance.now();
  const result = await fn();
  const own = process.cpuUsage(cpu0);
  return { wall: (performance.now() - t0) / 1000, cpu: (own.user + own.system) / 1e6 + childrenCpu() - child0, result };
}

interface Row {
  name: string;
  codec: string;
  size: string;
  frames: number;
  seconds: Partial<Record<Step, number>>;
  cpu: Partial<Record<Step, number>>;
}

async function measure(name: string, file: string, reps: number, psd: string | undefined): Promise<Row> {
  const info = await probe(file);
  const size = analysisSize(info.video.width, info.video.height, ANALYSIS_WIDTH);
  const frames = await countFrames({ ...size, exact: true }, file);
  const steps = stepsFor(file, info, psd);
  const walls: Partial<Record<Step, number[]>> = {};
  const cpus: Partial<Record<Step, number[]>> = {};
  // Steps interleaved within each repetition, so a burst of load elsewhere hits all of them alike.
  for (let r = 0; r < reps; r++) {
    for (const step of STEPS) {
      const fn = steps[step];
      if (!fn || !chosen.has(step)) continue;
      const t = await timed(fn);
      (walls[step] ??= []).push(t.wall);
      (cpus[step] ??= []).push(t.cpu);
      if (step === 'psd') {
        const work = t.result as SelfTimed;
        (walls['psd-work'] ??= []).push(work.wall);
        (cpus['psd-work'] ??= []).push(work.cpu);
      }
    }
  }
  const medians = (by: Partial<Record<Step, number[]>>) => Object.fromEntries(Object.entries(by).map(([k, v]) => [k, median(v!)])) as Partial<Record<Step, number>>;
  const [seconds, cpu] = [medians(walls), medians(cpus)];
  return { name, codec: info.video.codec, size: `${info.video.width}x${info.video.height}`, frames, seconds, cpu };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(b / a).toFixed(2)}x` : '-');

/** The totals row: sums over the files; a step missing on any file has no total. */
function totalRow(rows: Row[]): Row {
  const total: Row = { name: '**all**', codec: '', size: '', frames: 0, seconds: {}, cpu: {} };
  for (const row of rows) total.frames += row.frames;
  for (const key of ['seconds', 'cpu'] as const) {
    for (const step of STEPS) {
      if (rows.every((r) => r[key][step] !== undefined)) total[key][step] = rows.reduce((sum, r) => sum + r[key][step]!, 0);
    }
  }
  return total;
}

/** One table: per step frames per second of wall time, or CPU milliseconds per frame; then the ratios. */
function printTable(rows: Row[], key: 'seconds' | 'cpu'): void {
  const cell = (r: Row, step: Step) => {
    const v = r[key][step];
    if (v === undefined) return '-';
    return key === 'seconds' ? (r.frames / v).toFixed(0) : ((1000 * v) / r.frames).toFixed(2);
  };
  console.log(`| file | codec | size | frames | ${STEPS.join(' | ')} | analyse vs bare | analyse vs psd-work | cli vs psd | reader vs bare | analyse vs base |`);
  console.log(`|${' --- |'.repeat(STEPS.length + 9)}`);
  for (const r of [...rows, totalRow(rows)]) {
    const v = r[key];
    const cells = STEPS.map((step) => cell(r, step));
    console.log(`| ${r.name} | ${r.codec} | ${r.size} | ${r.frames} | ${cells.join(' | ')} | ${ratio(v.analyse, v.bare)} | ${ratio(v.analyse, v['psd-work'])} | ${ratio(v.cli, v.psd)} | ${ratio(v.reader, v.bare)} | ${ratio(v.analyse, v.base)} |`);
  }
}

async function main(): Promise<void> {
  const reps = arg('--reps', 3);
  const maxFrames = arg('--max-frames', 3000);
  const psd = pySceneDetectPath();
  if (!psd) console.log('PySceneDetect source not found (set PYSCENEDETECT_SRC): the psd column is skipped.');
  const files = await benchFiles(process.argv);
  const rows: Row[] = [];
  for (const { name, file } of files) {
    const info = await probe(file).catch(() => undefined);
    if (!info || info.video.frameCount > maxFrames) {
      console.error(`skipped ${name}: ${info ? `${info.video.frameCount} frames > --max-frames ${maxFrames}` : 'probe failed'}`);
      continue;
    }
    const row = await measure(name, file, reps, psd);
    console.error(`${name}: ${STEPS.map((s) => `${s} ${row.seconds[s] ? (row.frames / row.seconds[s]!).toFixed(0) : '-'} fps`).join(', ')}`);
    rows.push(row);
  }
  console.log(`\nFrames per second of wall time (median of ${reps}), analysis width ${ANALYSIS_WIDTH}; ratios are speed-ups (time of the other / time of ours).\n`);
  printTable(rows, 'seconds');
  console.log(`\nCPU milliseconds per frame, node and ffmpeg/python together (median of ${reps}); ratios as above, in CPU time.\n`);
  printTable(rows, 'cpu');
}

await main();
