/**
 * The detectors bench/shots/real.ts scores side by side: clipmill (through the same analyseVideo
 * the CLI's `inspect` runs), PySceneDetect's detectors (run from its source with Debian's
 * python3-opencv), ffmpeg's scdet filter and its select scene score, and bare ffmpeg decoding
 * for timing. Each returns, per file, the detected transitions and the seconds it took.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Transition } from '../../src/types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface Detection {
  transitions: Transition[];
  seconds: number;
  /** Frame times (s) when the detector reports them (clipmill does). */
  times?: number[];
}

/** Runs a command, returns stdout; stderr is kept for the error message. */
function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${cmd} failed (${code}): ${stderr.slice(-1500)}`))));
  });
}

const jsonLines = (s: string) => s.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const cutsAt = (frames: number[]): Transition[] => frames.map((f) => ({ kind: 'cut', startFrame: f, endFrame: f }));

/** clipmill on every file, in one child process (loaded from `root`, default this checkout). */
export async function clipmill(files: string[], root?: string): Promise<Map<string, Detection>> {
  const args = ['--import', 'tsx', path.join(HERE, 'clipmill-runner.ts'), ...(root ? ['--root', root] : []), ...files];
  const { stdout } = await run(process.execPath, args);
  return new Map(jsonLines(stdout).map((r) => [r.file, { transitions: r.transitions, seconds: r.seconds, times: r.times }]));
}

export const DEFAULT_PYSCENEDETECT = '/work/.mirror/Breakthrough+PySceneDetect/repo';

/**
 * A directory holding PySceneDetect's `scenedetect` package: `dir` itself, or, when `dir` is a
 * bare git mirror, an export of its HEAD into the bench cache. Undefined when neither exists.
 */
export function pysceneDetectSource(dir: string, cache: string): string | undefined {
  if (existsSync(path.join(dir, 'scenedetect', '__init__.py'))) return dir;
  if (!existsSync(path.join(dir, 'HEAD'))) return undefined;
  const head = spawnSync('git', ['--git-dir', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const out = path.join(cache, `pyscenedetect-${head.slice(0, 12)}`);
  if (!existsSync(path.join(out, 'scenedetect', '__init__.py'))) {
    mkdirSync(out, { recursive: true });
    spawnSync('sh', ['-c', `git --git-dir "${dir}" archive HEAD scenedetect | tar -x -C "${out}"`], { stdio: 'ignore' });
  }
  return existsSync(path.join(out, 'scenedetect', '__init__.py')) ? out : undefined;
}

export const PYSCENEDETECT_DETECTORS = ['adaptive', 'content', 'threshold'] as const;

/** PySceneDetect's detectors (default settings) on every file: detector -> file -> detection. */
export async function pysceneDetect(files: string[], source: string): Promise<Map<string, Map<string, Detection>>> {
  const { stdout } = await run('/usr/bin/python3', [path.join(HERE, 'pyscenedetect_runner.py'), PYSCENEDETECT_DETECTORS.join(','), ...files], { PYTHONPATH: source });
  const out = new Map<string, Map<string, Detection>>();
  for (const r of jsonLines(stdout)) {
    if (!out.has(r.detector)) out.set(r.detector, new Map());
    out.get(r.detector)!.set(r.file, { transitions: cutsAt(r.cuts), seconds: r.seconds });
  }
  return out;
}

export const SCDET_THRESHOLD = 10;
export const SCENE_SCORE = 0.4;

/**
 * ffmpeg's own scene detectors in one decode: scdet (default threshold 10) and the select
 * filter's scene score above 0.4. Frame indices come from the metadata filter's frame counter.
 */
export async function ffmpegScene(file: string): Promise<{ scdet: Detection; select: Detection }> {
  const graph = `scdet=threshold=${SCDET_THRESHOLD},metadata=mode=print:key=lavfi.scd.time,select='gte(scene\\,0)',metadata=mode=print:key=lavfi.scene_score:value=${SCENE_SCORE}:function=greater`;
  const t0 = performance.now();
  const { stderr } = await run('ffmpeg', ['-nostdin', '-hide_banner', '-i', `file:${file}`, '-map', '0:v:0', '-vf', graph, '-f', 'null', '-']);
  const seconds = (performance.now() - t0) / 1000;
  const scdet: number[] = [];
  const select: number[] = [];
  let frame = -1;
  for (const line of stderr.split('\n')) {
    const f = /\] frame:(\d+)/.exec(line);
    if (f) frame = Number(f[1]);
    else if (line.includes('lavfi.scd.time=')) scdet.push(frame);
    else if (line.includes('lavfi.scene_score=')) select.push(frame);
  }
  return { scdet: { transitions: cutsAt(scdet), seconds }, select: { transitions: cutsAt(select), seconds } };
}

/** Seconds for a bare `ffmpeg -i f -map 0:v:0 -f null -` decode. */
export async function bareDecode(file: string): Promise<number> {
  const t0 = performance.now();
  await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', `file:${file}`, '-map', '0:v:0', '-f', 'null', '-']);
  return (performance.now() - t0) / 1000;
}
