/**
 * Decodes a video once, at a small analysis size, and yields every frame (RGB24) with its
 * presentation time. Timestamps come from ffmpeg's showinfo filter on stderr, paired in order
 * with the raw frames on stdout, so variable frame rate is handled without guessing.
 */
import type { Readable } from 'node:stream';
import { ErrorCode, SourceError } from '../errors.js';
import { EXACT_DECODE_ANY_CODEC, FFMPEG, SCALE_SAME_ON_ANY_CPU, TailBuffer, ffmpegInput, missingToolError, spawnTool, stderrTail } from './ffmpeg.js';

export interface Frame {
  /** 0-based index in presentation order. */
  index: number;
  /** Presentation time in seconds from the start of the video. */
  time: number;
  width: number;
  height: number;
  /** RGB24 pixels, width * height * 3 bytes. Valid only until the next frame is requested. */
  data: Buffer;
  /**
   * How coarsely the decoder says the frame was quantised, 0..1 on its codec's scale (see
   * QUANTISER_SCALE); NaN or absent where the codec exports no frame quantiser.
   */
  quantiser?: number;
}

/** What the caller's probe knows of the source; lets the reader decode less where that is safe. */
export interface SourceVideo {
  codec: string;
  /** Display size (after rotation). */
  width: number;
  height: number;
  pixFmt?: string;
}

export interface FrameReaderOptions {
  width: number;
  height: number;
  /** Decode on the GPU (NVDEC) instead of the CPU. */
  hwaccel?: 'cuda';
  /** Deinterlace first (one output frame per input frame, so indices and times are kept). */
  deinterlace?: boolean;
  /** The source's codec, size and pixel format, from probe: enables low-resolution decoding where it is exact enough. */
  source?: SourceVideo;
  /** Decode every pixel as the codec means it (no loop-filter skipping, no low-resolution decoding). */
  exact?: boolean;
  signal?: AbortSignal;
}

export interface DecodeSummary {
  frames: number;
  /** Decoder complaints seen on stderr (damaged or cut-off data). */
  errors: number;
  stderrTail: string;
}

/** Analysis size for a display size: `width` wide, height by aspect ratio, both even. */
export function analysisSize(displayWidth: number, displayHeight: number, width: number): { width: number; height: number } {
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  return { width: even(width), height: even((width * displayHeight) / displayWidth) };
}

/** yadif in frame mode, touching only frames flagged interlaced. */
export const DEINTERLACE = 'yadif=mode=send_frame:deint=interlaced';

const SHOWINFO = /\] n:\s*(\d+)\s+pts:\s*\S+\s+pts_time:\s*(-?[\d.e+-]+)/;
/** showinfo's last line of a frame. */
const SHOWINFO_END = '] color_range:';
/** showinfo's line for the decoder's video encoding parameters (`-export_side_data venc_params`). */
const VENC_PARAMS = /video encoding parameters: type (\d+);(?: qp=(-?\d+);)?/;

/**
 * The frame quantiser's full scale per AVVideoEncParamsType, for the types whose frame-level value
 * showinfo prints: 0 is VP9 (base q index 0-255), 1 is H.264 (the picture's initial QP from its
 * PPS, 0-51: x264 in CRF or CQP mode writes its rate factor there, bit-rate modes write 26). Type 2
 * (MPEG-1/2/4, H.263, MS-MPEG4) carries only per-block qscales, which showinfo does not print.
 * showinfo leaves out a qp of 0.
 */
const QUANTISER_SCALE: Record<number, number> = { 0: 255, 1: 51 };
/** Codecs whose decoders export a frame quantiser showinfo prints; the export costs nothing elsewhere then. */
const QUANTISER_CODECS = new Set(['h264', 'vp9']);

/**
 * A frame's quantiser on 0..1 from its showinfo `video encoding parameters` line; NaN when the type
 * has no frame scale. H.264 above 8 bits states its QP 6 a bit higher (10-bit QP 63 is 8-bit QP 51).
 */
export function parseQuantiser(line: string, bitDepth = 8): number | undefined {
  const m = VENC_PARAMS.exec(line);
  if (!m) return undefined;
  const type = Number(m[1]);
  const scale = QUANTISER_SCALE[type];
  if (!scale) return Number.NaN;
  const qp = Number(m[2] ?? 0) - (type === 1 ? 6 * Math.max(0, bitDepth - 8) : 0);
  return Math.min(1, Math.max(0, qp / scale));
}

/** Bits per sample of a pixel format name (`yuv420p10le` 10), 8 when it names none. */
const bitDepthOf = (pixFmt = ''): number => Number(/p(\d{2})(le|be)$/.exec(pixFmt)?.[1] ?? 8);
const DECODE_ERROR = /error|invalid|corrupt|partial file|missing picture|concealing/i;

/**
 * Input options that make the decoder do less where the analysis cannot tell. Analysis compares
 * frames ~160 px wide, so
 * - the in-loop deblocking filter (h264, hevc, vp8/9, theora) is skipped: it only smooths block
 *   edges, which the downscale averages away; skipping it makes h264 decode ~10-25% cheaper;
 * - an intra-only JPEG-style codec decodes straight at 1/2, 1/4 or 1/8 size (the IDCT at lower
 *   resolution is a box average), never below the analysis size. Motion-compensated codecs are
 *   left at full size: their low-resolution motion compensation drifts within a GOP.
 * GPU decoding is exact; deinterlacing keeps the full size (yadif needs both fields whole).
 */
export function decodeShortcuts(opts: FrameReaderOptions): string[] {
  if (opts.exact || opts.hwaccel) return [];
  const args = ['-skip_loop_filter', 'all'];
  const lowres = opts.deinterlace || !opts.source ? 0 : lowresLevel(opts.source, opts);
  if (lowres > 0) args.push('-lowres', String(lowres));
  return args;
}

/** Codecs whose decoders take `-lowres` and have no inter prediction to drift. */
const LOWRES_CODECS = new Set(['mjpeg']);
const MAX_LOWRES = 3;

function lowresLevel(source: SourceVideo, out: { width: number; height: number }): number {
  if (!LOWRES_CODECS.has(source.codec)) return 0;
  let level = 0;
  while (level < MAX_LOWRES && source.width >> (level + 1) >= out.width && source.height >> (level + 1) >= out.height) level++;
  return level;
}

/**
 * Packed 15/16-bit RGB (msvideo1, old AVI and QuickTime codecs): scaled directly, swscale maps
 * their white to 248 and converts them pixel by pixel in C; expanded to 8 bits first, white is 255
 * and the reader costs 20-35% less CPU.
 */
const SHORT_RGB = /^(rgb|bgr)(555|565)(le|be)$/;

function filterChain(opts: FrameReaderOptions): string {
  const steps = [`scale=${opts.width}:${opts.height}:flags=area+${SCALE_SAME_ON_ANY_CPU}`, 'format=rgb24', 'showinfo=checksum=0'];
  if (opts.deinterlace) steps.unshift(DEINTERLACE);
  else if (SHORT_RGB.test(opts.source?.pixFmt ?? '')) steps.unshift('format=bgr0');
  return steps.join(',');
}

/** The ffmpeg command line of the frame reader: RGB24 frames on stdout, showinfo lines on stderr. */
export function frameReaderArgs(file: string, opts: FrameReaderOptions): string[] {
  const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'info'];
  if (opts.hwaccel) args.push('-hwaccel', opts.hwaccel);
  // The decoder's per-frame quantiser, which showinfo prints (the analysis reads it as a signal).
  if (!opts.source || QUANTISER_CODECS.has(opts.source.codec)) args.push('-export_side_data', 'venc_params');
  args.push(
    // One decoding thread. With several, the frames of a damaged stream (an Ogg file whose
    // keyframes are not marked) differ from run to run, and with ffmpeg 5.1's Theora decoder some
    // sound streams too; the boundaries would differ with them. One thread also costs less CPU;
    // the analysis's own work runs beside it.
    ...EXACT_DECODE_ANY_CODEC,
    ...decodeShortcuts(opts),
    '-i', ffmpegInput(file),
    // The first real video stream (not cover art), as probe and extraction pick it, so frame indices agree.
    '-map', '0:V:0',
    '-vf', filterChain(opts),
    '-fps_mode', 'passthrough',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  );
  return args;
}

/**
 * Yields frames; when the generator finishes, `summary` (passed in) holds counts for the caller to
 * judge truncation. Throws SourceError(decode_failed) when ffmpeg exits with an error.
 */
export async function* readFrames(file: string, opts: FrameReaderOptions, summary?: DecodeSummary): AsyncGenerator<Frame> {
  const { width, height } = opts;
  const frameBytes = width * height * 3;
  const args = frameReaderArgs(file, opts);
  const child = spawnTool(FFMPEG, args, opts.signal);
  child.stdin.end();
  const times: number[] = [];
  const quantisers: number[] = [];
  const bitDepth = bitDepthOf(opts.source?.pixFmt);
  /** Frames whose showinfo lines have all arrived (a frame's lines end with its colour line or the next frame's). */
  let complete = 0;
  const stderr = new TailBuffer();
  let errors = 0;
  let pendingLine = '';
  const showinfoLine = (line: string): void => {
    const m = SHOWINFO.exec(line);
    if (m) {
      complete = times.length;
      times.push(Number(m[2]));
      quantisers.push(Number.NaN);
    } else if (line.includes(SHOWINFO_END)) {
      complete = times.length;
    } else if (times.length > 0 && line.includes('video encoding parameters')) {
      quantisers[times.length - 1] = parseQuantiser(line, bitDepth) ?? Number.NaN;
    }
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const lines = (pendingLine + chunk).split('\n');
    pendingLine = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('showinfo')) showinfoLine(line);
      else {
        if (DECODE_ERROR.test(line)) errors++;
        stderr.push(line + '\n');
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', (e) => reject(missingToolError(FFMPEG, e)));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  exited.catch(() => undefined);

  const frame = Buffer.alloc(frameBytes);
  let filled = 0;
  let index = 0;
  let stdoutDone = false;
  try {
    for await (const chunk of eagerChunks(child.stdout, READ_AHEAD_FRAMES * frameBytes)) {
      let offset = 0;
      while (offset < chunk.length) {
        let data: Buffer;
        if (filled === 0 && chunk.length - offset >= frameBytes) {
          // A whole frame inside the chunk is handed out as it is, without a copy.
          data = chunk.subarray(offset, offset + frameBytes);
          offset += frameBytes;
        } else {
          const n = Math.min(frameBytes - filled, chunk.length - offset);
          chunk.copy(frame, filled, offset, offset + n);
          filled += n;
          offset += n;
          if (filled < frameBytes) continue;
          filled = 0;
          data = frame;
        }
        const time = await timeOf(index);
        yield { index, time, width, height, data, quantiser: quantisers[index] };
        index++;
      }
    }
    stdoutDone = true;
    const { code, signal } = await exited;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    if (code !== 0) {
      throw new SourceError(
        ErrorCode.DecodeFailed,
        `ffmpeg could not decode the video (exit ${code ?? signal}): ${stderrTail(stderr.toString()) || 'no details'}.`,
      );
    }
  } finally {
    if (!stdoutDone) child.kill('SIGKILL');
    if (summary) Object.assign(summary, { frames: index, errors, stderrTail: stderrTail(stderr.toString(), 5) });
  }

  /** The stderr lines for a frame are written before its pixels, but the two pipes are read independently. */
  async function timeOf(i: number): Promise<number> {
    while (complete <= i) {
      let onData = (): void => undefined;
      let more: boolean;
      try {
        more = await Promise.race([
          new Promise<boolean>((resolve) => {
            onData = () => resolve(true);
            child.stderr.once('data', onData);
          }),
          exited.then(() => false),
        ]);
      } finally {
        // When the exit wins the race, the listener would otherwise stay attached.
        child.stderr.off('data', onData);
      }
      if (!more && complete <= i) {
        // Flush a final line that arrived without a newline; after the exit every frame's lines are in.
        if (pendingLine.includes('showinfo')) showinfoLine(pendingLine);
        pendingLine = '';
        complete = times.length;
        if (times.length <= i) throw new SourceError(ErrorCode.DecodeFailed, 'ffmpeg produced a frame without a timestamp.');
      }
    }
    return times[i];
  }
}

/** Frames the reader may hold ahead of the consumer (~2.6 MB at 160x90). */
const READ_AHEAD_FRAMES = 64;

/**
 * The chunks of `stream`, taken off the pipe as soon as they arrive while fewer than `limit`
 * bytes wait. The pipe alone holds about one analysis frame, so without this read-ahead the
 * decoder stalls whenever the consumer pauses (garbage collection, a slow frame) and the two
 * processes take turns instead of running side by side.
 */
async function* eagerChunks(stream: Readable, limit: number): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let held = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  stream.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    held += chunk.length;
    if (held >= limit) stream.pause();
    notify();
  });
  stream.once('end', () => {
    ended = true;
    notify();
  });
  stream.once('error', (e: Error) => {
    failure = e;
    notify();
  });
  for (;;) {
    const chunk = queue.shift();
    if (chunk) {
      held -= chunk.length;
      if (held < limit && stream.isPaused()) stream.resume();
      yield chunk;
    } else if (failure) {
      throw failure;
    } else if (ended) {
      return;
    } else {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}
