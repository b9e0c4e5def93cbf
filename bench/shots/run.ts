/**
 * Shot-boundary benchmark: builds the labelled corpus (cached in a temp dir), runs the one-pass
 * detector on every video and prints per-kind recall/precision/F1, throughput against bare
 * `ffmpeg -f null` decoding of the same files, and peak memory for a short and a 4x longer input.
 *
 *   node --import tsx bench/shots/run.ts [--keep] [--seed-offset N]
 *
 * --seed-offset draws a different corpus of the same shape, to check the figures hold off the
 * corpus the detector was developed on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { ShotDetector } from '../../src/segment/detector.js';
import type { Transition } from '../../src/types.js';
import { corpus, corpusVideo } from './corpus.js';
import { emptyScores, prf, score } from './score.js';
import { buildGraph, buildVideo, runFfmpeg, type Truth } from './synth.js';

const ANALYSIS_WIDTH = 160;

async function analyse(file: string, width: number, height: number, fps: number, detect = true) {
  const detector = new ShotDetector({ fps });
  let frames = 0;
  for await (const frame of readFrames(file, analysisSize(width, height, ANALYSIS_WIDTH))) {
    frames++;
    if (detect) detector.push(frame);
  }
  return { frames, transitions: detect ? detector.finish().transitions : [] };
}

function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  return fn().then((value) => ({ value, seconds: (performance.now() - t0) / 1000 }));
}

async function bareDecode(file: string): Promise<void> {
  await runFfmpeg(['-i', `file:${file}`, '-map', '0:v', '-f', 'null', '-']);
}

/** Peak RSS of a child process that only decodes and analyses `file` (run with `--rss`). */
function childPeakRss(file: string, width: number, height: number, fps: number): number {
  const self = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, ['--import', 'tsx', self, '--rss', file, String(width), String(height), String(fps)], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(res.stderr);
  return Number(res.stdout.trim());
}

const fmt = (x: number) => x.toFixed(3);
const describe = (ts: Transition[]) => ts.map((t) => (t.kind === 'cut' ? `${t.startFrame}` : `${t.startFrame}-${t.endFrame}`)).join(' ');

async function main(): Promise<void> {
  const dir = path.join(os.tmpdir(), 'clipmill-bench-shots');
  await mkdir(dir, { recursive: true });
  const at = process.argv.indexOf('--seed-offset');
  const videos = corpus(at > 0 ? Number(process.argv[at + 1]) : 0);
  const truths = new Map<string, Truth>();
  for (const v of videos) {
    const file = path.join(dir, `${v.name}.mp4`);
    // A video kept from an earlier run (--keep) is reused: its truth follows from the spec alone.
    truths.set(v.name, existsSync(file) ? buildGraph(v.spec).truth : await buildVideo(file, v.spec));
  }

  const scores = emptyScores();
  let frames = 0;
  let seconds = { ours: 0, reader: 0, bare: 0 };
  let videoSeconds = 0;
  for (const v of videos) {
    const file = path.join(dir, `${v.name}.mp4`);
    const { width, height, fps } = v.spec;
    const bare = await timed(() => bareDecode(file));
    const reader = await timed(() => analyse(file, width, height, fps, false));
    const ours = await timed(() => analyse(file, width, height, fps));
    const truth = truths.get(v.name)!;
    score(truth, ours.value.transitions, scores);
    frames += ours.value.frames;
    videoSeconds += truth.frameCount / fps;
    seconds = { ours: seconds.ours + ours.seconds, reader: seconds.reader + reader.seconds, bare: seconds.bare + bare.seconds };
    if (process.env.VERBOSE) {
      console.log(`${v.name}\n  truth cuts ${truth.cuts.join(' ')}\n  truth gradual ${truth.gradual.map((g) => `${g.startFrame}-${g.endFrame}(${g.transition})`).join(' ')}`);
      console.log(`  flashes ${truth.flashes.map((f) => f.startFrame).join(' ')}\n  detected ${describe(ours.value.transitions)}`);
    }
  }

  console.log(`corpus: ${videos.length} videos, ${frames} frames, ${videoSeconds.toFixed(1)} s of video, analysis width ${ANALYSIS_WIDTH}`);
  console.log('kind      truths  recall  precision  F1');
  for (const kind of ['cut', 'gradual'] as const) {
    const r = prf(scores[kind]);
    console.log(`${kind.padEnd(9)} ${String(scores[kind].truths).padStart(6)}  ${fmt(r.recall)}   ${fmt(r.precision)}      ${fmt(r.f1)}`);
  }
  console.log('gradual recall by transition: ' + Object.entries(scores.byTransition).map(([k, c]) => `${k} ${c.matched}/${c.truths}`).join(', '));
  const fpsOf = (s: number) => frames / s;
  console.log(`throughput: readFrames+ShotDetector ${fpsOf(seconds.ours).toFixed(0)} frames/s, readFrames alone ${fpsOf(seconds.reader).toFixed(0)} frames/s, bare ffmpeg -f null ${fpsOf(seconds.bare).toFixed(0)} frames/s`);
  console.log(`speed ratio vs bare decode: ${(seconds.bare / seconds.ours).toFixed(2)}x (reader alone ${(seconds.bare / seconds.reader).toFixed(2)}x)`);

  const base = { width: 640, height: 360, fps: 30, gop: 60 };
  const short = path.join(dir, 'mem-short.mp4');
  const long = path.join(dir, 'mem-long.mp4');
  await buildVideo(short, corpusVideo('short', 7, base, 20).spec);
  await buildVideo(long, corpusVideo('long', 7, base, 80).spec);
  const rssShort = childPeakRss(short, base.width, base.height, base.fps);
  const rssLong = childPeakRss(long, base.width, base.height, base.fps);
  console.log(`peak RSS (node process): 20 s input ${(rssShort / 1024).toFixed(1)} MiB, 80 s input ${(rssLong / 1024).toFixed(1)} MiB`);
  if (!process.argv.includes('--keep')) await rm(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--rss') {
  const [file, w, h, fps] = process.argv.slice(3);
  await analyse(file, Number(w), Number(h), Number(fps));
  console.log(process.resourceUsage().maxRSS);
} else {
  await main();
}
