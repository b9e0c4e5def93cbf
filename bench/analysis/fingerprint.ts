/**
 * A fingerprint of everything the analysis computes from a file's frames, to check that a change
 * meant to make it faster leaves every value as it was, bit for bit:
 *
 *   node --import tsx bench/analysis/fingerprint.ts FILE...      # one line a file: sha256, frames
 *
 * It hashes, from one decode: the clip signals of every two-frame window and of the whole file,
 * the clip signature, and the shot detector's shots, transitions and candidates (with their
 * features and verifier scores). Run it before and after the change and compare the lines.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FrameSignals } from '../../src/analysis/signals.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { ShotDetector } from '../../src/segment/detector.js';

for (const file of process.argv.slice(2)) {
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
  const hash = createHash('sha256');
  // Numbers go in as their exact bits (JSON would print the same digits for every double, too).
  const put = (value: unknown) => hash.update(JSON.stringify(value, (_k, v) => (typeof v === 'number' ? Buffer.from(new Float64Array([v]).buffer).toString('hex') : v)));
  for (let i = 0; i + 1 < frames; i++) put(signals.clipSignals(i, i + 1));
  put(signals.clipSignals(0, frames - 1));
  put(signals.clipSignature(0, frames - 1));
  put(detector.finish());
  console.log(`${hash.digest('hex').slice(0, 16)} ${frames} ${path.basename(file)}`);
}
