/**
 * Writes the kept clips of one source with a single ffmpeg process: the source is decoded once (up
 * to the last kept frame), `select` keeps the clip frames by their decoded frame index (the same
 * index the frame reader gives, so boundaries are exact for any frame rate, GOP or start offset),
 * one encoder per output size encodes them with a keyframe forced at each clip start, and the
 * segment muxer cuts the stream there into one file per clip with timestamps restarting at 0.
 *
 * Files: `<outDir>/<clipId>.mp4` for h264 and av1 (AAC audio), `<outDir>/<clipId>.webm` for vp9
 * (Opus audio). Stream copy (cfg.streamCopy) is handled in extract-copy.ts.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExtractConfig } from '../config/schema.js';
import type { ProbeInfo } from '../types.js';
import { extractByStreamCopy } from './extract-copy.js';
import { requireEncoders } from './extract-encoders.js';
import { makeWorkDir, publish, removeWorkDir, runEncoder } from './extract-output.js';
import {
  audioPtsExpr,
  audioSelectExpr,
  containerFor,
  cropFilter,
  groupByCrop,
  keepRatio,
  keptFrameCount,
  outputSize,
  spanFps,
  splitFrames,
  videoEncoderArgs,
  videoSelectExpr,
  type ExtractSpan,
  type OutputSize,
} from './extract-plan.js';
import { SCALE_SAME_ON_ANY_CPU, exactDecodeArgs, ffmpegInput } from './ffmpeg.js';
import { DEINTERLACE } from './frames.js';
import { isInterlaced } from './probe.js';

export type { CropFractions, ExtractSpan } from './extract-plan.js';

export interface ExtractedClip {
  clipId: string;
  /** Absolute path of the written clip. */
  file: string;
  bytes: number;
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** True when boundaries moved to keyframes (stream copy); startTime/endTime then say where. */
  snappedToKeyframes: boolean;
  /** Actual span of the clip in source time (seconds, as the frame reader counts them). */
  startTime: number;
  endTime: number;
  /** Set when stream copy was asked for but the source had to be re-encoded: why. */
  reencodedBecause?: string;
}

export interface ExtractOptions {
  signal?: AbortSignal;
  hwaccel?: 'cuda';
}

/**
 * Clips are spaced this far apart on the encoder's timeline. The muxer interleaves streams by
 * decode time, and a video keyframe's decode time is earlier than its presentation time (B-frames):
 * without a gap, the tail of one clip's audio would arrive after the next clip's keyframe and land
 * in the next file. reset_timestamps removes the gap from every file.
 */
const CLIP_GAP_SEC = 30;

/** Audio is selected in chunks this many samples long (about 1.3 ms at 48 kHz). */
const AUDIO_CHUNK = 64;

/** One encoder's share of the work: spans with the same crop, hence the same output size. */
interface Group {
  spans: ExtractSpan[];
  size: OutputSize;
  ratios: number[];
  counts: number[];
  /** Output frame rate when a cap re-times the frames evenly; undefined keeps source timing. */
  cappedFps?: number;
}

export async function extractClips(
  input: string,
  probe: ProbeInfo,
  clips: ExtractSpan[],
  outDir: string,
  cfg: ExtractConfig,
  opts: ExtractOptions = {},
): Promise<ExtractedClip[]> {
  if (clips.length === 0) return [];
  const dir = path.resolve(outDir);
  if (cfg.streamCopy) {
    const reencode = () => extractClips(input, probe, clips, outDir, { ...cfg, streamCopy: false }, opts);
    return extractByStreamCopy(input, probe, clips, dir, reencode, opts.signal);
  }

  const ordered = [...clips].sort((a, b) => a.startFrame - b.startFrame);
  const groups = groupByCrop(ordered).map((spans) => planGroup(spans, probe, cfg));
  const container = containerFor(cfg.codec);
  const video = videoEncoderArgs(cfg);
  const audio = cfg.keepAudio && probe.audio ? audioPlan(cfg, probe.audio.sampleRate) : undefined;
  await requireEncoders(audio ? [video.encoder, container.audioEncoder] : [video.encoder]);

  const work = await makeWorkDir(dir);
  try {
    const pass = video.forcesKeyframes ? finalPass(cfg, audio !== undefined) : INTERMEDIATE;
    await runEncoder(buildArgs(input, groups, pass, work, audio, opts.hwaccel, probe), opts.signal);
    const results: ExtractedClip[] = [];
    const moves: { from: string; to: string }[] = [];
    for (const [g, group] of groups.entries()) {
      for (const [k, span] of group.spans.entries()) {
        const segment = path.join(work, segmentName(g, pass.ext).replace('%05d', String(k).padStart(5, '0')));
        const file = path.join(dir, `${span.clipId}.${container.ext}`);
        const from = video.forcesKeyframes ? segment : await encodeSegment(segment, cfg, audio !== undefined, opts.signal);
        moves.push({ from, to: file });
        results.push({
          clipId: span.clipId,
          file,
          bytes: (await stat(from)).size,
          ...group.size,
          fps: group.cappedFps ?? spanFps(span),
          frames: group.counts[k],
          snappedToKeyframes: false,
          startTime: span.startTime,
          endTime: span.endTime,
        });
      }
    }
    await publish(moves);
    const order = new Map(clips.map((c, i) => [c.clipId, i]));
    return results.sort((a, b) => order.get(a.clipId)! - order.get(b.clipId)!);
  } finally {
    await removeWorkDir(work);
  }
}

function planGroup(spans: ExtractSpan[], probe: ProbeInfo, cfg: ExtractConfig): Group {
  const ratios = spans.map((s) => keepRatio(s, cfg.maxFps));
  return {
    spans,
    size: outputSize(probe, spans[0].crop, cfg.maxHeight),
    ratios,
    counts: spans.map((s, k) => keptFrameCount(s, ratios[k])),
    cappedFps: ratios.some((r) => r < 1) ? cfg.maxFps : undefined,
  };
}

/** How audio is cut: the rate it is selected at (Opus needs 48 kHz) and the encoder frame size. */
interface AudioPlan {
  sampleRate: number;
  frameSize: number;
  resample: boolean;
}

function audioPlan(cfg: ExtractConfig, sourceRate: number | undefined): AudioPlan {
  const { audioEncoder, audioFrameSize } = containerFor(cfg.codec);
  const resample = audioEncoder === 'libopus' || !sourceRate;
  return { sampleRate: resample ? 48000 : sourceRate!, frameSize: audioFrameSize, resample };
}

const segmentName = (group: number, ext: string) => `g${group}-%05d.${ext}`;

/** How the single decoding pass encodes: its codec arguments and the container of its segments. */
interface PassOutput {
  ext: string;
  format: string;
  args: string[];
  audioArgs: string[];
}

function finalPass(cfg: ExtractConfig, withAudio: boolean): PassOutput {
  const container = containerFor(cfg.codec);
  return {
    ext: container.ext,
    format: container.ext,
    args: videoEncoderArgs(cfg).args,
    audioArgs: withAudio ? ['-c:a', container.audioEncoder, '-b:a', '128k'] : [],
  };
}

/**
 * For encoders that ignore forced keyframes (libsvtav1 in ffmpeg 5.1) the decoding pass writes
 * lossless H.264 segments, each then encoded on its own: still one decode of the source and one
 * final encode of the kept frames, with exact boundaries.
 */
const INTERMEDIATE: PassOutput = {
  ext: 'mkv',
  format: 'matroska',
  args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p'],
  audioArgs: ['-c:a', 'pcm_s16le'],
};

async function encodeSegment(segment: string, cfg: ExtractConfig, withAudio: boolean, signal?: AbortSignal): Promise<string> {
  const final = finalPass(cfg, withAudio);
  const out = segment.replace(/\.mkv$/, `.final.${final.ext}`);
  await runEncoder(
    ['-i', ffmpegInput(segment), ...final.args, ...final.audioArgs, '-fps_mode', 'passthrough',
      ...(final.ext === 'mp4' ? ['-movflags', '+faststart'] : []), ffmpegInput(out)],
    signal,
  );
  return out;
}

function buildArgs(
  input: string,
  groups: Group[],
  pass: PassOutput,
  work: string,
  audio: AudioPlan | undefined,
  hwaccel: 'cuda' | undefined,
  probe: ProbeInfo,
): string[] {
  const lastFrame = Math.max(...groups.flatMap((g) => g.spans.map((s) => s.endFrame)));
  const lastTime = Math.max(...groups.flatMap((g) => g.spans.map((s) => s.endTime)));
  const graph: string[] = [];
  // Decoding stops after the last kept frame: trim ends the stream there.
  const deinterlace = isInterlaced(probe) ? `,${DEINTERLACE}` : '';
  graph.push(`[0:V:0]trim=end_frame=${lastFrame + 1}${deinterlace}${fanOut('split', groups.length, 'vin')}`);
  if (audio) {
    const resample = audio.resample ? `aresample=${audio.sampleRate},` : '';
    graph.push(`[0:a:0]atrim=end=${lastTime + 1},${resample}asetnsamples=n=${AUDIO_CHUNK}:p=0${fanOut('asplit', groups.length, 'ain')}`);
  }
  for (const [g, group] of groups.entries()) graph.push(...groupFilters(g, group, audio));

  const args: string[] = [];
  if (hwaccel) args.push('-hwaccel', hwaccel);
  args.push(...exactDecodeArgs(probe.video.codec), '-i', ffmpegInput(input), '-filter_complex', graph.join(';'));
  for (const [g, group] of groups.entries()) {
    const splits = splitFrames(group.counts);
    args.push('-map', `[v${g}]`);
    if (audio) args.push('-map', `[a${g}]`, ...pass.audioArgs);
    args.push(
      ...pass.args,
      '-fps_mode', 'passthrough',
      '-force_key_frames', `expr:${['eq(n,0)', ...splits.map((n) => `eq(n,${n})`)].join('+')}`,
      '-map_metadata', '-1',
      '-f', 'segment',
      '-segment_format', pass.format,
      '-reset_timestamps', '1',
      '-avoid_negative_ts', 'disabled',
    );
    // Without split points the segment muxer would cut every 2 s by default.
    if (splits.length > 0) args.push('-segment_frames', splits.join(','));
    else args.push('-segment_time', '999999999');
    if (pass.ext === 'mp4') args.push('-segment_format_options', 'movflags=+faststart');
    args.push(ffmpegInput(path.join(work, segmentName(g, pass.ext))));
  }
  return args;
}

/** `[label]` for one consumer, or a split into `[label0][label1]...` for several. */
function fanOut(filter: 'split' | 'asplit', n: number, label: string): string {
  if (n === 1) return `[${label}0]`;
  return `,${filter}=${n}${Array.from({ length: n }, (_, i) => `[${label}${i}]`).join('')}`;
}

function groupFilters(g: number, group: Group, audio: AudioPlan | undefined): string[] {
  const { spans, size, ratios, counts, cappedFps } = group;
  const first = spans[0].startTime;
  // A cap re-times kept frames evenly at the capped rate; otherwise source timing (VFR) is kept.
  const clipOrdinal = splitFrames(counts).map((n) => `gte(N,${n})`).join('+') || '0';
  const gap = `(${clipOrdinal})*${CLIP_GAP_SEC}/TB`;
  const retime = cappedFps ? `settb=AVTB,setpts='N/(${cappedFps}*TB)+${gap}'` : `setpts='PTS-STARTPTS+${gap}'`;
  const video = [
    `select='${videoSelectExpr(spans, ratios)}'`,
    retime,
    cropFilter(spans[0].crop),
    `scale=${size.width}:${size.height}:flags=bicubic+${SCALE_SAME_ON_ANY_CPU}`,
    'setsar=1',
  ].filter(Boolean);
  const out = [`[vin${g}]${video.join(',')}[v${g}]`];
  if (audio) {
    // Where each clip starts on the video's output timeline, minus where it starts in the source.
    let done = 0;
    const offsets = spans.map((s, k) => {
      const start = (cappedFps ? done / cappedFps : s.startTime - first) + k * CLIP_GAP_SEC;
      done += counts[k];
      return start - s.startTime;
    });
    out.push(
      `[ain${g}]aselect='${audioSelectExpr(spans, audio.sampleRate, AUDIO_CHUNK, audio.frameSize)}',` +
        `asetpts='${audioPtsExpr(spans, offsets, audio.sampleRate, AUDIO_CHUNK)}'[a${g}]`,
    );
  }
  return out;
}
