/**
 * Shot-boundary benchmark on footage that looks real, with peers in the same run:
 *
 *   node --import tsx bench/shots/real.ts [--split dev|heldout|all] [--corpus synthetic|annotated|all]
 *        [--clipmill-root DIR] [--baseline-root DIR] [--pyscenedetect DIR] [--no-peers] [--only REGEX]
 *
 * Corpora: videos built from real photos and real video shots (real-corpus.ts, truth by
 * construction) and real videos annotated by eye (truth/*.json), each in a development and a
 * held-out split (never tuned on). Detectors: clipmill through analyseVideo as `clipmill inspect`
 * runs it (from this checkout, or --clipmill-root DIR; --baseline-root DIR adds a second row, e.g.
 * an export of an earlier commit: `git archive REV src package.json | tar -x -C DIR` with a
 * node_modules link), PySceneDetect's
 * adaptive, content and threshold detectors (source from --pyscenedetect or $PYSCENEDETECT_SRC,
 * default the /work/.mirror copy; skipped with a message when absent), ffmpeg's scdet and its
 * select scene score. Scoring (score.ts): one to one, a cut within ±2 frames, a gradual
 * transition anywhere in its span ±2. Footage yield: the share of the video's seconds that would
 * end in kept clips (clipmill's planClips, default --min-clip/--max-clip) on the detected shots,
 * and how much of that lies in clips crossing no true boundary. Timing in the same run: bare
 * `ffmpeg -i f -map 0:v:0 -f null -`, clipmill's analysis, PySceneDetect adaptive. --no-peers
 * scores clipmill alone (a quick loop while tuning on the dev split); --only keeps the videos
 * whose name matches.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../src/config/schema.js';
import { FrameTimes } from '../../src/media/frame-times.js';
import { planClips } from '../../src/segment/plan.js';
import { tileShots } from '../../src/segment/shots.js';
import type { Transition } from '../../src/types.js';
import type { Split } from '../media/manifest.js';
import { bareDecode, clipmill, DEFAULT_PYSCENEDETECT, ffmpegScene, pysceneDetect, PYSCENEDETECT_DETECTORS, pysceneDetectSource, type Detection } from './peers.js';
import { realCorpus } from './real-corpus.js';
import { annotatedVideos } from './real-truth.js';
import { emptyScores, prf, score, TOLERANCE, type Scores } from './score.js';
import type { Truth } from './synth.js';

interface Item {
  name: string;
  file: string;
  truth: Truth;
  fps: number;
  /** Frames where detections are not scored. */
  dontCare?: { startFrame: number; endFrame: number }[];
  /** Issue-10 classes a synthetic video exercises. */
  classes?: string[];
}

interface Corpus {
  label: string;
  items: Item[];
}

function option(name: string, fallback?: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
}

const CACHE = process.env.CLIPMILL_BENCH_CACHE ?? '/work/cache/shots-bench';

async function corpora(): Promise<Corpus[]> {
  const split = option('--split', 'all')!;
  const which = option('--corpus', 'all')!;
  const splits = (split === 'all' ? ['dev', 'heldout'] : [split]) as Split[];
  const out: Corpus[] = [];
  for (const s of splits) {
    if (which !== 'annotated') {
      const videos = await realCorpus(s);
      out.push({ label: `synthetic from real media, ${s}`, items: videos.map((v) => ({ name: v.truth.name, file: v.file, truth: v.truth, fps: v.truth.fps, classes: v.truth.classes })) });
    }
    if (which !== 'synthetic') {
      out.push({ label: `real videos annotated by eye, ${s}`, items: annotatedVideos(s).map((v) => ({ name: v.name, file: v.file, truth: v.truth, fps: v.truth.fps, dontCare: v.truth.dontCare })) });
    }
  }
  const only = option('--only');
  const picked = only ? out.map((c) => ({ ...c, items: c.items.filter((i) => new RegExp(only).test(i.name)) })) : out;
  return picked.filter((c) => c.items.length > 0);
}

// ---- figures -------------------------------------------------------------------------------------

interface Row {
  detector: string;
  found: Map<string, Detection>;
  scores: Scores;
  keptSec: number;
  cleanSec: number;
  seconds: number;
}

/** Frame times: the decoder's when they cover the truth's frames, else a constant rate. */
function timesFor(item: Item, decoded?: number[]): FrameTimes {
  const times = new FrameTimes();
  const n = item.truth.frameCount;
  for (let i = 0; i < n; i++) times.push(decoded && decoded.length === n ? decoded[i] : i / item.fps);
  return times;
}

/** A detector's transitions, ordered, inside the video (a peer may count frames differently) and outside don't-care frames. */
function usable(ts: Transition[], item: Item): Transition[] {
  const cared = (t: Transition) => !item.dontCare?.some((d) => t.startFrame >= d.startFrame && t.startFrame <= d.endFrame);
  return ts.filter((t) => t.startFrame > 0 && t.startFrame < item.truth.frameCount && cared(t)).sort((a, b) => a.startFrame - b.startFrame);
}

/** Truth transitions in the Transition shape. */
function trueTransitions(t: Truth): Transition[] {
  const cuts = t.cuts.map((c): Transition => ({ kind: 'cut', startFrame: c, endFrame: c }));
  const gradual = t.gradual.map((g): Transition => ({ kind: 'gradual', startFrame: g.startFrame, endFrame: g.endFrame }));
  return [...cuts, ...gradual].sort((a, b) => a.startFrame - b.startFrame);
}

/**
 * Seconds in kept clips, and in kept clips that are clean: holding more than 2 frames (the
 * scoring tolerance) of at most one true shot.
 */
function footage(item: Item, transitions: Transition[], times: FrameTimes): { kept: number; clean: number } {
  const seg = defaultConfig().segment;
  const { clips } = planClips(tileShots(item.truth.frameCount, transitions, times), times, { minClipSec: seg.minClipSec, maxClipSec: seg.maxClipSec });
  const trueShots = tileShots(item.truth.frameCount, trueTransitions(item.truth), times);
  let kept = 0;
  let clean = 0;
  for (const c of clips) {
    const d = c.endTime - c.startTime;
    kept += d;
    const overlapped = trueShots.filter((s) => Math.min(s.endFrame, c.endFrame) - Math.max(s.startFrame, c.startFrame) + 1 > TOLERANCE);
    if (overlapped.length <= 1) clean += d;
  }
  return { kept, clean };
}

function rowOf(detector: string, items: Item[], found: Map<string, Detection>, decodedTimes: Map<string, number[] | undefined>): Row {
  const row: Row = { detector, found, scores: emptyScores(), keptSec: 0, cleanSec: 0, seconds: 0 };
  for (const item of items) {
    const d = found.get(item.file);
    const ts = usable(d?.transitions ?? [], item);
    score(item.truth, ts, row.scores);
    const f = footage(item, ts, timesFor(item, decodedTimes.get(item.file)));
    row.keptSec += f.kept;
    row.cleanSec += f.clean;
    row.seconds += d?.seconds ?? 0;
  }
  return row;
}

function overall(s: Scores): { recall: number; precision: number; f1: number; falsePositives: number } {
  const truths = s.cut.truths + s.gradual.truths;
  const matched = s.cut.matched + s.gradual.matched;
  const falsePositives = s.cut.falsePositives + s.gradual.falsePositives;
  const recall = truths ? matched / truths : 1;
  const precision = matched + falsePositives ? matched / (matched + falsePositives) : 1;
  return { recall, precision, f1: recall + precision ? (2 * recall * precision) / (recall + precision) : 0, falsePositives };
}

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function table(rows: Row[], videoSec: number): string[] {
  const lines = [
    '| detector | F1 | cut F1 | gradual recall | precision | false boundaries | yield (clean) | seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const o = overall(r.scores);
    const g = r.scores.gradual;
    lines.push(
      `| ${r.detector} | ${f3(o.f1)} | ${f3(prf(r.scores.cut).f1)} | ${g.truths ? f3(g.matched / g.truths) : '-'} | ${f3(o.precision)} | ${o.falsePositives} | ` +
        `${pct(r.keptSec / videoSec)} (${pct(r.cleanSec / videoSec)}) | ${r.seconds.toFixed(1)} |`,
    );
  }
  return lines;
}

/** Per issue-10 class (synthetic videos carry their classes): clipmill against another detector. */
function classTable(items: Item[], rows: Row[], decodedTimes: Map<string, number[] | undefined>): string[] {
  const classes = [...new Set(items.flatMap((i) => i.classes ?? []))].sort();
  if (classes.length === 0 || rows.length < 2) return [];
  const [a, b] = rows;
  const cell = (r: Row, subset: Item[]) => {
    const o = overall(rowOf(r.detector, subset, r.found, decodedTimes).scores);
    return `${f3(o.f1)} (${o.falsePositives})`;
  };
  const lines = [`| class | videos | transitions | ${a.detector} F1 (false) | ${b.detector} F1 (false) |`, '| --- | --- | --- | --- | --- |'];
  for (const cls of classes) {
    const subset = items.filter((i) => i.classes?.includes(cls));
    const n = subset.reduce((x, i) => x + i.truth.cuts.length + i.truth.gradual.length, 0);
    lines.push(`| ${cls} | ${subset.length} | ${n} | ${cell(a, subset)} | ${cell(b, subset)} |`);
  }
  return [...lines, ''];
}

// ---- the run --------------------------------------------------------------------------------------

interface Roots {
  /** clipmill to score (default this checkout) and an optional second one, e.g. a baseline. */
  clipmill?: string;
  baseline?: string;
  pyscenedetect?: string;
  ffmpegPeers: boolean;
}

const labelOf = (root: string | undefined) => (root ? `clipmill @${path.basename(root)}` : 'clipmill');

async function benchCorpus(corpus: Corpus, roots: Roots): Promise<{ lines: string[]; json: unknown }> {
  const files = corpus.items.map((i) => i.file);
  let bare = 0;
  for (const f of files) bare += await bareDecode(f);
  const ours = await clipmill(files, roots.clipmill);
  const decodedTimes = new Map(files.map((f) => [f, ours.get(f)?.times]));
  const rows: Row[] = [rowOf(labelOf(roots.clipmill), corpus.items, ours, decodedTimes)];
  if (roots.baseline) rows.push(rowOf(labelOf(roots.baseline), corpus.items, await clipmill(files, roots.baseline), decodedTimes));
  const pySource = roots.pyscenedetect;
  if (pySource) {
    const py = await pysceneDetect(files, pySource);
    for (const name of PYSCENEDETECT_DETECTORS) rows.push(rowOf(`PySceneDetect ${name}`, corpus.items, py.get(name) ?? new Map(), decodedTimes));
  }
  if (roots.ffmpegPeers) {
    const scdet = new Map<string, Detection>();
    const select = new Map<string, Detection>();
    for (const f of files) {
      const r = await ffmpegScene(f);
      scdet.set(f, r.scdet);
      select.set(f, r.select);
    }
    rows.push(rowOf('ffmpeg scdet (t=10)', corpus.items, scdet, decodedTimes), rowOf('ffmpeg select scene>0.4', corpus.items, select, decodedTimes));
  }

  const t = corpus.items.map((i) => i.truth);
  const frames = t.reduce((a, x) => a + x.frameCount, 0);
  const videoSec = corpus.items.reduce((a, i) => {
    const times = timesFor(i, decodedTimes.get(i.file));
    return a + times.endOf(times.length - 1) - times.at(0);
  }, 0);
  const truthRow = rowOf('truth', corpus.items, new Map(corpus.items.map((i) => [i.file, { transitions: trueTransitions(i.truth), seconds: 0 }])), decodedTimes);
  const ourRow = rows[0];
  const adaptive = rows.find((r) => r.detector === 'PySceneDetect adaptive');
  const best = rows.filter((r) => r.detector.startsWith('PySceneDetect')).sort((a, b) => overall(b.scores).f1 - overall(a.scores).f1)[0];
  const lines = [
    `### ${corpus.label}`,
    '',
    `${corpus.items.length} videos, ${frames} frames, ${videoSec.toFixed(1)} s; ${t.reduce((a, x) => a + x.cuts.length, 0)} cuts, ` +
      `${t.reduce((a, x) => a + x.gradual.length, 0)} gradual, ${t.reduce((a, x) => a + x.flashes.length, 0)} flashes; yield on the true shots ${pct(truthRow.keptSec / videoSec)}.`,
    '',
    ...table(rows, videoSec),
    '',
    ...classTable(corpus.items, best ? [ourRow, best] : rows, decodedTimes),
    `PySceneDetect best: ${best ? `${best.detector.replace('PySceneDetect ', '')} F1 ${f3(overall(best.scores).f1)}` : 'not run'}. ` +
      `Time: bare decode ${bare.toFixed(1)} s, clipmill analysis ${ourRow.seconds.toFixed(1)} s (speed ${(bare / ourRow.seconds).toFixed(2)}x bare decode)` +
      (adaptive ? `, PySceneDetect adaptive ${adaptive.seconds.toFixed(1)} s (clipmill's speed ${(adaptive.seconds / ourRow.seconds).toFixed(2)}x its).` : '.'),
    '',
  ];
  if (process.env.VERBOSE) {
    for (const item of corpus.items) {
      const d = usable(ours.get(item.file)?.transitions ?? [], item);
      const one = emptyScores();
      score(item.truth, d, one);
      lines.push(`- ${item.name} (${overall(one).falsePositives} false, ${one.cut.matched + one.gradual.matched}/${one.cut.truths + one.gradual.truths} found): truth cuts ${item.truth.cuts.join(' ')}; gradual ${item.truth.gradual.map((g) => `${g.startFrame}-${g.endFrame}`).join(' ')}; clipmill ${d.map((x) => (x.kind === 'cut' ? `${x.startFrame}` : `${x.startFrame}-${x.endFrame}`)).join(' ')}`);
    }
    lines.push('');
  }
  return { lines, json: { corpus: corpus.label, frames, videoSec, bare, rows: rows.map(({ found: _, ...r }) => ({ ...r, overall: overall(r.scores) })), truth: truthRow } };
}

async function main(): Promise<void> {
  const noPeers = process.argv.includes('--no-peers');
  const pyDir = option('--pyscenedetect', process.env.PYSCENEDETECT_SRC ?? DEFAULT_PYSCENEDETECT)!;
  const pySource = noPeers ? undefined : pysceneDetectSource(pyDir, CACHE);
  if (!pySource && !noPeers) console.error(`PySceneDetect skipped: no source at ${pyDir} (fetch github:Breakthrough/PySceneDetect, or pass --pyscenedetect DIR)`);
  const roots: Roots = { clipmill: option('--clipmill-root'), baseline: option('--baseline-root'), pyscenedetect: pySource, ffmpegPeers: !noPeers };
  const results: unknown[] = [];
  for (const corpus of await corpora()) {
    const { lines, json } = await benchCorpus(corpus, roots);
    console.log(lines.join('\n'));
    results.push(json);
  }
  mkdirSync(CACHE, { recursive: true });
  const out = path.join(CACHE, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(results, null, 1));
  console.log(`raw figures: ${out}`);
}

await main();
