/** `inspect`: the probe and the shots of one local video, without writing anything. */
import { defaultConfig } from '../config/schema.js';
import { probe } from '../media/probe.js';
import { analyseVideo } from '../pipeline/analyse.js';
import type { ProbeInfo, Shot, Transition } from '../types.js';

export interface InspectOptions {
  /** Shot detector sensitivity multiplier (lower finds more cuts); default 1. */
  threshold?: number;
  /** false: shot boundaries from the rules alone, without the learned check. */
  verify?: boolean;
  hwaccel?: 'cuda';
  signal?: AbortSignal;
}

export interface InspectResult {
  file: string;
  probe: ProbeInfo;
  /** Frames decoded. */
  frames: number;
  /** `endFrame` inclusive, `endTime` exclusive (the time of the next frame). */
  shots: Shot[];
  transitions: Transition[];
}

export async function inspect(file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  const seg = defaultConfig().segment;
  const info = await probe(file, { signal: opts.signal });
  const analysis = await analyseVideo(file, info, {
    analysisWidth: seg.analysisWidth,
    threshold: opts.threshold ?? seg.threshold,
    verifier: opts.verify === false ? null : undefined,
    hwaccel: opts.hwaccel,
    signal: opts.signal,
  });
  return { file, probe: info, frames: analysis.times.length, shots: analysis.shots, transitions: analysis.transitions };
}
