/**
 * Safety scores of clips. The analysis pass keeps no pixels and clip spans are only known after
 * it, so the sampled frames come from a second decode of the source, run only when the safety
 * option is on and only for clips that every other filter kept. A clip is scored as soon as its
 * last sample is decoded and its frames are then let go, so memory stays a few frames per clip
 * in flight; decoding stops after the last sample needed.
 */
import { ErrorCode, SourceError } from '../errors.js';
import { readFrames, type FrameReaderOptions } from '../media/frames.js';
import { scoreFrames, type RgbFrame, type SafetyScore } from './safety.js';

/** Frames scored per clip. */
export const SAFETY_SAMPLES = 3;

export interface FrameSpan {
  startFrame: number;
  /** Inclusive. */
  endFrame: number;
}

/** Up to `count` distinct frame indices at the centres of equal parts of the span (so never a cut frame at its ends). */
export function sampleIndices(span: FrameSpan, count = SAFETY_SAMPLES): number[] {
  const frames = span.endFrame - span.startFrame + 1;
  const k = Math.max(0, Math.min(count, frames));
  return Array.from({ length: k }, (_, i) => span.startFrame + Math.floor(((i + 0.5) * frames) / k));
}

/**
 * Scores each span (in the order given) from SAFETY_SAMPLES frames decoded at `reader`'s size,
 * which should be the analysis size so frame indices match the analysis pass; likewise
 * `reader.deinterlace` should match the analysis decode.
 */
export async function clipSafetyScores(file: string, spans: FrameSpan[], reader: FrameReaderOptions): Promise<SafetyScore[]> {
  const scores: SafetyScore[] = new Array(spans.length);
  const samples = spans.map((span) => sampleIndices(span));
  const spansAt = new Map<number, number[]>();
  samples.forEach((indices, s) => indices.forEach((i) => spansAt.set(i, [...(spansAt.get(i) ?? []), s])));
  const collected: RgbFrame[][] = spans.map(() => []);
  let pending = spans.length;
  if (pending === 0) return scores;

  for await (const frame of readFrames(file, reader)) {
    for (const s of spansAt.get(frame.index) ?? []) {
      // The reader reuses its buffer for the next frame: keep a copy.
      collected[s].push({ data: Buffer.from(frame.data), width: frame.width, height: frame.height });
      if (collected[s].length === samples[s].length) {
        scores[s] = await scoreFrames(collected[s]);
        collected[s] = [];
        pending--;
      }
    }
    if (pending === 0) break;
  }
  // The decode ended early (fewer frames than the analysis saw): score what was found.
  for (let s = 0; s < spans.length; s++) {
    if (scores[s]) continue;
    if (collected[s].length === 0) {
      throw new SourceError(
        ErrorCode.DecodeFailed,
        `No frame of clip frames ${spans[s].startFrame}-${spans[s].endFrame} could be decoded again for its safety score.`,
      );
    }
    scores[s] = await scoreFrames(collected[s]);
  }
  return scores;
}
