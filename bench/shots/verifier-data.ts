/**
 * The training and checking data of the boundary verifier: every boundary the detector's rules
 * find (at a given sensitivity, verifier off) in a set of videos, with its features and whether it
 * matches a true transition, one JSON line each.
 *
 *   node --import tsx bench/shots/verifier-data.ts --set train-0,train-1,dev-synthetic,dev-annotated \
 *        [--threshold 1] [--out /work/cache/shots-bench/verifier-data.jsonl]
 *
 * Sets: train-<round> (recipes from dev media with their own seeds, built on first use),
 * dev-synthetic, dev-annotated; never held-out. A boundary matches a true cut within ±2 frames,
 * a true gradual transition anywhere in its span ±2 (as score.ts); flashes are not transitions;
 * boundaries in a truth's dontCare frames are left out.
 */
import { writeFileSync } from 'node:fs';
import { defaultConfig } from '../../src/config/schema.js';
import { probe } from '../../src/media/probe.js';
import { analyseVideo } from '../../src/pipeline/analyse.js';
import type { Transition } from '../../src/types.js';
import { realCorpus, trainingCorpus } from './real-corpus.js';
import { annotatedVideos } from './real-truth.js';
import { TOLERANCE } from './score.js';
import type { Truth } from './synth.js';

interface Video {
  set: string;
  name: string;
  file: string;
  truth: Truth & { dontCare?: { startFrame: number; endFrame: number }[] };
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
}

async function videosOf(set: string): Promise<Video[]> {
  const round = /^train-(\d+)$/.exec(set);
  if (round) return (await trainingCorpus(Number(round[1]))).map((v) => ({ set, name: v.truth.name, file: v.file, truth: v.truth }));
  if (set === 'dev-synthetic') return (await realCorpus('dev')).map((v) => ({ set, name: v.truth.name, file: v.file, truth: v.truth }));
  if (set === 'dev-annotated') return annotatedVideos('dev').map((v) => ({ set, name: v.name, file: v.file, truth: v.truth }));
  throw new Error(`unknown set ${set} (train-<round>, dev-synthetic, dev-annotated)`);
}

/** 1 when the boundary overlaps a true transition (within the tolerance), else 0. */
function label(t: Transition, truth: Truth): number {
  const near = (from: number, to: number) => t.startFrame <= to + TOLERANCE && t.endFrame >= from - TOLERANCE;
  return truth.cuts.some((c) => near(c, c)) || truth.gradual.some((g) => near(g.startFrame, g.endFrame)) ? 1 : 0;
}

const sets = option('--set', 'train-0,dev-synthetic,dev-annotated').split(',');
const threshold = Number(option('--threshold', '1'));
const out = option('--out', '/work/cache/shots-bench/verifier-data.jsonl');
const seg = defaultConfig().segment;
const lines: string[] = [];
for (const set of sets) {
  for (const v of await videosOf(set)) {
    const info = await probe(v.file);
    const analysis = await analyseVideo(v.file, info, { analysisWidth: seg.analysisWidth, threshold, verifier: null });
    const cared = (t: Transition) => !v.truth.dontCare?.some((d) => t.startFrame >= d.startFrame && t.startFrame <= d.endFrame);
    let positives = 0;
    for (const c of analysis.candidates.filter((c) => cared(c.transition))) {
      const y = label(c.transition, v.truth);
      positives += y;
      lines.push(JSON.stringify({ set, video: v.name, kind: c.transition.kind, start: c.transition.startFrame, end: c.transition.endFrame, label: y, features: c.features }));
    }
    const truths = v.truth.cuts.length + v.truth.gradual.length;
    console.error(`${set} ${v.name}: ${analysis.candidates.length} boundaries, ${positives} on ${truths} true transitions`);
  }
}
writeFileSync(out, lines.join('\n') + '\n');
console.error(`${lines.length} boundaries written to ${out}`);
