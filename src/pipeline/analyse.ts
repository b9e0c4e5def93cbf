/**
 * The single decode pass of a source: every frame goes once through the shot detector and the
 * quality-signal accumulator, and its time into the frame-time store.
 */
import { FrameSignals } from '../analysis/signals.js';
import { ErrorCode, SourceError } from '../errors.js';
import type { FrameTimes } from '../media/frame-times.js';
import { analysisSize, readFrames, type DecodeSummary } from '../media/frames.js';
import { isInterlaced } from '../media/probe.js';
import { ShotDetector, type BoundaryCandidate } from '../segment/detector.js';
import type { BoundaryVerifier } from '../segment/verifier.js';
import type { ProbeInfo, Shot, Transition } from '../types.js';

export interface Analysis {
  times: FrameTimes;
  shots: Shot[];
  transitions: Transition[];
  /** Every boundary the rules found, with the verifier's features and score (kept or not). */
  candidates: BoundaryCandidate[];
  signals: FrameSignals;
  decode: DecodeSummary;
}

export interface AnalyseOptions {
  analysisWidth: number;
  threshold: number;
  hwaccel?: 'cuda';
  /** The learned boundary check; null: the rules alone. The shipped model by default. */
  verifier?: BoundaryVerifier | null;
  signal?: AbortSignal;
}

/** Share of the expected frames below which a decode that reported errors counts as a cut-off file. */
const TRUNCATION_RATIO = 0.95;

export async function analyseVideo(file: string, probe: ProbeInfo, opts: AnalyseOptions): Promise<Analysis> {
  const size = analysisSize(probe.video.width, probe.video.height, opts.analysisWidth);
  const detector = new ShotDetector({ fps: probe.video.fps || 25, threshold: opts.threshold, verifier: opts.verifier });
  const times = detector.times;
  const signals = new FrameSignals(size.width, size.height);
  const decode: DecodeSummary = { frames: 0, errors: 0, stderrTail: '' };
  // The probe's codec, size and pixel format let the reader decode less where that is exact enough.
  const readerOpts = { ...size, source: probe.video, hwaccel: opts.hwaccel, deinterlace: isInterlaced(probe), signal: opts.signal };
  const reader = readFrames(file, readerOpts, decode);
  for await (const frame of reader) {
    detector.push(frame);
    signals.push(frame);
  }
  checkDecode(decode, probe);
  const { shots, transitions, candidates } = detector.finish();
  completeProbe(probe, shots, decode.frames);
  return { times, shots, transitions, candidates, signals, decode };
}

/**
 * Fills in, from the decode, the length of a source whose file states none (raw elementary
 * streams: ffprobe gives no duration, or one from a header bit rate that means "variable"), so
 * its record, durations and progress count the video it holds, and its bit rate (which the
 * low_bitrate filter reads) is the file's size over that length. The probe is the record's own.
 */
function completeProbe(probe: ProbeInfo, shots: Shot[], frames: number): void {
  if (probe.video.frameCount > 0 && probe.durationSec > 0) return;
  probe.video.frameCount = frames;
  probe.durationSec = shots[shots.length - 1].endTime - shots[0].startTime;
  // MPEG-1's "variable" marker reads as a stated 105 Mbit/s; a raw H.264 stream states none.
  probe.bitRate = probe.sizeBytes > 0 && probe.durationSec > 0 ? (probe.sizeBytes * 8) / probe.durationSec : undefined;
}

/** A decode that produced nothing, or stopped well short of the stated length with errors, fails the source. */
function checkDecode(decode: DecodeSummary, probe: ProbeInfo): void {
  if (decode.frames === 0) {
    throw new SourceError(ErrorCode.CorruptVideo, `No frame of the video could be decoded (${decode.stderrTail || 'no details'}).`);
  }
  const expected = probe.video.frameCount;
  if (decode.errors > 0 && expected > 0 && decode.frames < TRUNCATION_RATIO * expected) {
    throw new SourceError(
      ErrorCode.TruncatedVideo,
      `The video is cut off or damaged: only ${decode.frames} of ${expected} frames could be decoded.`,
    );
  }
}
