/** One decode of a whole file into FrameSignals: for tools, tests and benchmarks that treat a file as one clip. */
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { FrameSignals } from '../../src/analysis/signals.js';

export async function measureFile(file: string, width: number, height: number, analysisWidth = 160): Promise<{ signals: FrameSignals; frames: number }> {
  const size = analysisSize(width, height, analysisWidth);
  const signals = new FrameSignals(size.width, size.height);
  let frames = 0;
  for await (const frame of readFrames(file, size)) {
    signals.push(frame);
    frames++;
  }
  return { signals, frames };
}
