/**
 * A fingerprint of everything the analysis computes from a file's frames, to check that a change
 * meant to make it faster leaves every value as it was:
 *
 *   node --import tsx bench/analysis/fingerprint.ts FILE...      # one line a file: sha256, frames
 *   node --import tsx bench/analysis/fingerprint.ts --dump OUT.json FILE...
 *   node --import tsx bench/analysis/fingerprint.ts --compare BEFORE.json AFTER.json
 *
 * It takes, from one decode: the clip signals of every two-frame window and of the whole file,
 * the clip signature, and the shot detector's shots, transitions and candidates (with their
 * features and verifier scores). The hash compares them bit for bit; a dump keeps the values, and
 * --compare says, for a change that moves the last bits of some sums, whether every boundary and
 * signature is the same and how far each clip signal moved (largest relative difference).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FrameSignals } from '../../src/analysis/signals.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { ShotDetector } from '../../src/segment/detector.js';

interface Values {
  frames: number;
  windows: Record<string, number>[];
  whole: Record<string, number>;
  signature: string;
  boundaries: unknown;
}

async function valuesOf(file: string): Promise<Values> {
  const info = await probe(file);
  const size = analysisSize(info.video.width, info.video.height, 160);
  const signals = new FrameSignals(size.width, size.height);
  const detector = new ShotDetector({ fps: info.video.fps || 25 });
  let frames = 0;
  for await (const frame of readFrames(file, { ...size, source: info.video })) {
    signals.push(frame);
    detector.push(frame);
    frames++;
  }
  const windows: Record<string, number>[] = [];
  for (let i = 0; i + 1 < frames; i++) windows.push(signals.clipSignals(i, i + 1));
  return {
    frames,
    windows,
    whole: signals.clipSignals(0, frames - 1),
    signature: signals.clipSignature(0, frames - 1),
    boundaries: detector.finish(),
  };
}

/** Numbers as their exact bits (JSON would print the same digits for every double, too). */
const exactly = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'number' ? Buffer.from(new Float64Array([v]).buffer).toString('hex') : v));

function hashOf(v: Values): string {
  const hash = createHash('sha256');
  for (const w of v.windows) hash.update(exactly(w));
  hash.update(exactly(v.whole));
  hash.update(exactly(v.signature));
  hash.update(exactly(v.boundaries));
  return hash.digest('hex').slice(0, 16);
}

/** Largest relative difference per signal name over matching records (NaN against NaN is equal). */
function signalDifferences(a: Record<string, number>[], b: Record<string, number>[], into: Map<string, number>): void {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    for (const [name, x] of Object.entries(a[i])) {
      const y = b[i][name];
      const d = Number.isNaN(x) && Number.isNaN(y) ? 0 : x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-12);
      into.set(name, Math.max(into.get(name) ?? 0, d));
    }
  }
}

function compare(beforeFile: string, afterFile: string): void {
  const load = (file: string): Record<string, Values> =>
    JSON.parse(readFileSync(file, 'utf8'), (_k, v) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v));
  const before = load(beforeFile);
  const after = load(afterFile);
  const overall = new Map<string, number>();
  let same = 0;
  for (const [name, a] of Object.entries(before)) {
    const b = after[name];
    if (!b) {
      console.log(`${name}: missing from ${afterFile}`);
      continue;
    }
    const boundaries = JSON.stringify(a.boundaries) === JSON.stringify(b.boundaries);
    const signature = a.signature === b.signature;
    const diffs = new Map<string, number>();
    signalDifferences([...a.windows, a.whole], [...b.windows, b.whole], diffs);
    for (const [k, d] of diffs) overall.set(k, Math.max(overall.get(k) ?? 0, d));
    const worst = [...diffs].sort((x, y) => y[1] - x[1])[0];
    if (boundaries && signature && a.frames === b.frames) same++;
    console.log(`${name}: frames ${a.frames === b.frames ? 'same' : `${a.frames} -> ${b.frames}`}, boundaries ${boundaries ? 'same' : 'DIFFER'}, signature ${signature ? 'same' : 'DIFFERS'}, largest signal change ${worst ? `${worst[0]} ${worst[1].toExponential(1)}` : '-'}`);
  }
  console.log(`\n${same} of ${Object.keys(before).length} files with the same frames, boundaries and signature. Largest relative change per signal:`);
  for (const [k, d] of [...overall].sort((x, y) => y[1] - x[1])) if (d > 0) console.log(`  ${k.padEnd(24)}${d.toExponential(2)}`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--compare') {
  compare(argv[1], argv[2]);
} else {
  const dump = argv[0] === '--dump' ? argv[1] : undefined;
  const files = dump ? argv.slice(2) : argv;
  const all: Record<string, Values> = {};
  for (const file of files) {
    const v = await valuesOf(file);
    if (dump) all[path.basename(file)] = v;
    console.log(`${hashOf(v)} ${v.frames} ${path.basename(file)}`);
  }
  // JSON keeps finite doubles exactly; NaN and the infinities go in as their names.
  if (dump) writeFileSync(dump, JSON.stringify(all, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}
