/**
 * Microseconds per frame of each per-pixel step of the analysis on frames held in memory (decode
 * excluded), best of 7 after two warm-up passes, so a change to one kernel can be judged alone:
 *
 *   node --import tsx bench/analysis/kernels.ts FILE      # its first 600 frames
 *
 * In the pipeline the same steps cost about 1.5x these figures: there every frame arrives cold
 * from the pipe and runs through all of them in turn (bench/analysis/run.ts times that).
 */
import { edgeSharpness } from '../../src/analysis/edge-sharpness.js';
import { measureBars, measureFrame, sharpnessOf } from '../../src/analysis/frame-metrics.js';
import { Thumbnailer } from '../../src/analysis/phash.js';
import { PixelKernels } from '../../src/analysis/pixel-kernels.js';
import { computeSignature, motionCompensatedDistance, newSignature, structureDistance } from '../../src/analysis/shot-features.js';
import { FrameSignals } from '../../src/analysis/signals.js';
import { analysisSize, readFrames, type Frame } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { ShotDetector } from '../../src/segment/detector.js';

const MAX_FRAMES = 600;
const file = process.argv[2];
if (!file) throw new Error('usage: kernels.ts FILE');
const info = await probe(file);
const { width, height } = analysisSize(info.video.width, info.video.height, 160);
const frames: Frame[] = [];
for await (const f of readFrames(file, { width, height, source: info.video })) {
  frames.push({ ...f, data: Buffer.from(f.data) });
  if (frames.length >= MAX_FRAMES) break;
}
const pixels = new PixelKernels(new Thumbnailer(width, height));
const luma = pixels.luma;
const sigs = frames.map(() => newSignature(width, height));
const eachPair = (fn: (i: number) => void) => {
  for (let i = 1; i < frames.length; i++) fn(i);
};

const steps: [string, () => void][] = [
  ['measureFrame', () => frames.forEach((f) => measureFrame(pixels, f.data, true))],
  ['sharpnessOf', () => frames.forEach(() => sharpnessOf(pixels))],
  ['edgeSharpness', () => frames.forEach(() => edgeSharpness(luma, width, height))],
  ['measureBars', () => frames.forEach(() => measureBars(luma, width, height))],
  ['computeSignature', () => frames.forEach((f, i) => computeSignature(f.data, width, height, sigs[i]))],
  ['motionCompensatedDistance', () => eachPair((i) => motionCompensatedDistance(sigs[i - 1], sigs[i]))],
  ['structureDistance', () => eachPair((i) => structureDistance(sigs[i - 1], sigs[i]))],
  ['FrameSignals (all)', () => {
    const s = new FrameSignals(width, height);
    for (const f of frames) s.push(f);
  }],
  ['ShotDetector (all)', () => {
    const d = new ShotDetector({ fps: info.video.fps || 25 });
    for (const f of frames) d.push(f);
    d.finish();
  }],
];

const best = new Map<string, number>();
for (let pass = 0; pass < 9; pass++) {
  for (const [name, run] of steps) {
    const start = process.hrtime.bigint();
    run();
    const us = Number(process.hrtime.bigint() - start) / 1e3 / frames.length;
    // The first two passes only warm the compiled code up.
    if (pass >= 2) best.set(name, Math.min(best.get(name) ?? Infinity, us));
  }
}
console.log(`${file}: ${frames.length} frames at ${width}x${height}, microseconds a frame (best of 7)`);
for (const [name, us] of best) console.log(`${name.padEnd(28)}${us.toFixed(1).padStart(8)}`);
