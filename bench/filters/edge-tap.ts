/**
 * The edge-sharpness measure (src/filters/edge-sharpness.ts) per frame of a file, from a decode
 * with the analysis pass's own frame reader settings (same size, same frames, same indices), so a
 * clip's median equals what an `edge_sharpness` signal of the frame-signal pass would give. The
 * bench's stand-in until that signal is wired (/work/cache/filt-wire-edge-sharpness.patch removes
 * this second decode).
 */
import { measureFrame } from '../../src/analysis/frame-metrics.js';
import { edgeSharpness } from '../../src/filters/edge-sharpness.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { isInterlaced } from '../../src/media/probe.js';
import { quantile } from '../../src/segment/stats.js';
import type { ProbeInfo } from '../../src/types.js';

export async function edgeSharpnessPerFrame(file: string, info: ProbeInfo, analysisWidth: number): Promise<number[]> {
  const size = analysisSize(info.video.width, info.video.height, analysisWidth);
  const luma = new Float32Array(size.width * size.height);
  const values: number[] = [];
  for await (const frame of readFrames(file, { ...size, deinterlace: isInterlaced(info) })) {
    measureFrame(frame.data, luma);
    values.push(edgeSharpness(luma, size.width, size.height));
  }
  return values;
}

/** A clip's edge sharpness: the median over its frames [startFrame, endFrame], as the sharpness signal takes it. */
export const clipEdgeSharpness = (perFrame: number[], startFrame: number, endFrame: number): number =>
  quantile(perFrame.slice(startFrame, endFrame + 1), 0.5);
