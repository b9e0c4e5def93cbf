/**
 * CPU time per frame of FrameSignals and ShotDetector over frames held in memory (decode excluded),
 * optionally against another checkout's FrameSignals in the same run:
 *
 *   node --import tsx bench/analysis/profile-signals.ts [--baseline-root DIR] FILE...
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FrameSignals } from '../../src/analysis/signals.js';
import { analysisSize, readFrames, type Frame } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { ShotDetector } from '../../src/segment/detector.js';

const args = process.argv.slice(2);
const at = args.indexOf('--baseline-root');
const baselineRoot = at >= 0 ? args.splice(at, 2)[1] : undefined;
type Signals = { push(frame: Frame): void };
const Baseline: (new (w: number, h: number) => Signals) | undefined = baselineRoot
  ? (await import(pathToFileURL(path.resolve(baselineRoot, 'src/analysis/signals.ts')).href)).FrameSignals
  : undefined;

/** CPU milliseconds per frame of `fn` over the frames, least of 3 runs. */
function cpuPerFrame(frames: Frame[], make: () => { push(frame: Frame): void; finish?(): unknown }): number {
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t = process.cpuUsage();
    const sink = make();
    for (const f of frames) sink.push(f);
    sink.finish?.();
    const used = process.cpuUsage(t);
    best = Math.min(best, (used.user + used.system) / 1000 / frames.length);
  }
  return best;
}

for (const file of args) {
  const info = await probe(file);
  const size = analysisSize(info.video.width, info.video.height, 160);
  const frames: Frame[] = [];
  for await (const f of readFrames(file, { ...size, source: info.video })) frames.push({ ...f, data: Buffer.from(f.data) });
  const cells = [
    `signals ${cpuPerFrame(frames, () => new FrameSignals(size.width, size.height)).toFixed(3)}`,
    Baseline ? `baseline signals ${cpuPerFrame(frames, () => new Baseline(size.width, size.height)).toFixed(3)}` : '',
    `detector ${cpuPerFrame(frames, () => new ShotDetector({ fps: info.video.fps || 25 })).toFixed(3)}`,
  ];
  console.log(`${path.basename(file)} ${frames.length} frames ${size.width}x${size.height}, CPU ms/frame: ${cells.filter(Boolean).join(', ')}`);
}
