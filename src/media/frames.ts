/**
 * Decodes a video once, at a small analysis size, and yields every frame (RGB24) with its
 * presentation time. Timestamps come from ffmpeg's showinfo filter on stderr, paired in order
 * with the raw frames on stdout, so variable frame rate is handled without guessing.
 */
import { ErrorCode, SourceError } from '../errors.js';
import { FFMPEG, TailBuffer, ffmpegInput, missingToolError, spawnTool, stderrTail } from './ffmpeg.js';

export interface Frame {
  /** 0-based index in presentation order. */
  index: number;
  /** Presentation time in seconds from the start of the video. */
  time: number;
  width: number;
  height: number;
  /** RGB24 pixels, width * height * 3 bytes. Valid only until the next frame is requested. */
  data: Buffer;
}

export interface FrameReaderOptions {
  width: number;
  height: number;
  /** Decode on the GPU (NVDEC) instead of the CPU. */
  hwaccel?: 'cuda';
  /** Deinterlace first (one output frame per input frame, so indices and times are kept). */
  deinterlace?: boolean;
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
const DECODE_ERROR = /error|invalid|corrupt|partial file|missing picture|concealing/i;

/**
 * Yields frames; when the generator finishes, `summary` (passed in) holds counts for the caller to
 * judge truncation. Throws SourceError(decode_failed) when ffmpeg exits with an error.
 */
export async function* readFrames(file: string, opts: FrameReaderOptions, summary?: DecodeSummary): AsyncGenerator<Frame> {
  const { width, height } = opts;
  const frameBytes = width * height * 3;
  const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'info'];
  if (opts.hwaccel) args.push('-hwaccel', opts.hwaccel);
  args.push(
    '-i', ffmpegInput(file),
    // The first real video stream (not cover art), as probe and extraction pick it, so frame indices agree.
    '-map', '0:V:0',
    '-vf', `${opts.deinterlace ? `${DEINTERLACE},` : ''}scale=${width}:${height}:flags=area,format=rgb24,showinfo=checksum=0`,
    '-fps_mode', 'passthrough',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  );
  const child = spawnTool(FFMPEG, args, opts.signal);
  child.stdin.end();
  const times: number[] = [];
  const stderr = new TailBuffer();
  let errors = 0;
  let pendingLine = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const lines = (pendingLine + chunk).split('\n');
    pendingLine = lines.pop() ?? '';
    for (const line of lines) {
      const m = SHOWINFO.exec(line);
      if (m) times.push(Number(m[2]));
      else if (!line.includes('showinfo')) {
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
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(frame, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          yield { index, time: await timeOf(index), width, height, data: frame };
          index++;
          filled = 0;
        }
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

  /** The stderr line for a frame is written before its pixels, but the two pipes are read independently. */
  async function timeOf(i: number): Promise<number> {
    while (times.length <= i) {
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
      if (!more && times.length <= i) {
        // Flush a final line that arrived without a newline.
        const m = SHOWINFO.exec(pendingLine);
        if (m) times.push(Number(m[2]));
        pendingLine = '';
        if (times.length <= i) throw new SourceError(ErrorCode.DecodeFailed, 'ffmpeg produced a frame without a timestamp.');
      }
    }
    return times[i];
  }
}
