/**
 * What the frame reader's decode shortcuts (loop filter skipped, low-resolution JPEG decoding)
 * change in what analysis sees: per file, the pixel difference against an exact decode (mean and
 * worst frame, in 8-bit levels), the whole-file quality signals both ways, and the shot
 * detector's boundaries both ways.
 *
 *   node --import tsx bench/analysis/shortcuts-effect.ts [--real-only | --synthetic-only | FILE...]
 */
import { FrameSignals } from '../../src/analysis/signals.js';
import { analysisSize, readFrames, type FrameReaderOptions } from '../../src/media/frames.js';
import { isInterlaced, probe } from '../../src/media/probe.js';
import { ShotDetector } from '../../src/segment/detector.js';
import { benchFiles } from './files.js';

const SIGNALS = ['sharpness', 'motion_mean', 'frozen_share', 'contrast'] as const;

interface Pass {
  frames: Buffer[];
  signals: Record<string, number>;
  boundaries: string;
}

async function pass(file: string, opts: FrameReaderOptions, fps: number): Promise<Pass> {
  const signals = new FrameSignals(opts.width, opts.height);
  const detector = new ShotDetector({ fps });
  const frames: Buffer[] = [];
  for await (const frame of readFrames(file, opts)) {
    signals.push(frame);
    detector.push(frame);
    frames.push(Buffer.from(frame.data));
  }
  const { transitions } = detector.finish();
  const boundaries = transitions.map((t) => (t.kind === 'cut' ? `${t.startFrame}` : `${t.startFrame}-${t.endFrame}`)).join(' ') || 'none';
  return { frames, signals: signals.clipSignals(0, frames.length - 1), boundaries };
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

async function main(): Promise<void> {
  const files = await benchFiles(process.argv);
  console.log(`| file | codec | frames | mean diff | worst frame | ${SIGNALS.map((s) => `${s} exact → fast`).join(' | ')} | boundaries exact / fast |`);
  console.log(`|${' --- |'.repeat(SIGNALS.length + 5)}`);
  for (const { name, file } of files) {
    const info = await probe(file).catch(() => undefined);
    if (!info || info.video.frameCount > 3000) continue;
    const base: FrameReaderOptions = { ...analysisSize(info.video.width, info.video.height, 160), deinterlace: isInterlaced(info) };
    const exact = await pass(file, { ...base, exact: true }, info.video.fps || 25);
    const fast = await pass(file, { ...base, source: info.video }, info.video.fps || 25);
    const n = Math.min(exact.frames.length, fast.frames.length);
    const diffs = Array.from({ length: n }, (_, i) => meanAbsDiff(exact.frames[i], fast.frames[i]));
    const meanDiff = diffs.reduce((a, b) => a + b, 0) / Math.max(1, n);
    const worst = Math.max(0, ...diffs);
    const sig = SIGNALS.map((s) => `${exact.signals[s].toFixed(2)} → ${fast.signals[s].toFixed(2)}`);
    const frames = exact.frames.length === fast.frames.length ? `${n}` : `${exact.frames.length} vs ${fast.frames.length}`;
    const bounds = exact.boundaries === fast.boundaries ? `same (${exact.boundaries})` : `${exact.boundaries} / ${fast.boundaries}`;
    console.log(`| ${name} | ${info.video.codec} | ${frames} | ${meanDiff.toFixed(2)} | ${worst.toFixed(2)} | ${sig.join(' | ')} | ${bounds} |`);
  }
}

await main();
