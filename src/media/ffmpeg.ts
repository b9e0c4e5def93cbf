/**
 * The one place that starts ffmpeg and ffprobe processes. Arguments are always arrays (no shell),
 * and input paths go through `ffmpegInput` so names starting with '-' or holding ':' are safe.
 * Every file input is read with real container demuxers only and the file protocol only (see
 * `restrictFileInputs`), so a downloaded playlist cannot make ffmpeg read other files or URLs.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const FFMPEG = process.env.CLIPMILL_FFMPEG ?? 'ffmpeg';
export const FFPROBE = process.env.CLIPMILL_FFPROBE ?? 'ffprobe';

/** A local path as an ffmpeg input/output argument that cannot be read as an option or a protocol. */
export function ffmpegInput(file: string): string {
  return `file:${path.resolve(file)}`;
}

/**
 * Input options that make a decoder give the same frames on every CPU. The MPEG-2, MPEG-4 part 2
 * and MS-MPEG4 decoders pick an IDCT by the CPU's instruction sets, and those round otherwise than
 * the C code and than each other (3 of 25 real videos decoded to other pixels with SSE2 only or
 * with C alone than with this machine's AVX-512); `bitexact` makes every choice match the C code.
 * Bit-exact codecs (H.264, VP8/9, MJPEG, ...) decode as before.
 */
export const SAME_FRAMES_ON_ANY_CPU: readonly string[] = ['-flags', 'bitexact'];

/**
 * swscale flags (after the algorithm, as in `flags=area+${SCALE_SAME_ON_ANY_CPU}`) that make a
 * scale or pixel-format conversion give the same pixels on every CPU: without them its SIMD paths
 * round otherwise than its C code, differently for each instruction set (a bicubic 720p-to-360p
 * downscale; the YUV-to-RGB conversion of 2 of the 25 real videos, both MJPEG). They cost no
 * measurable CPU here.
 */
export const SCALE_SAME_ON_ANY_CPU = 'accurate_rnd+bitexact';

/**
 * Output options of a JPEG frame at this quality (ffmpeg's 2-31, lower is better) that is the
 * same on every CPU: the MJPEG encoder's default forward DCT is picked by instruction set and
 * rounds otherwise than the C code; `-dct int` is that C code everywhere.
 */
export function jpegOutput(quality: number): string[] {
  return ['-c:v', 'mjpeg', '-q:v', String(quality), '-dct', 'int'];
}

/**
 * Input options for an exact decode of any codec: one thread, and the same frames on any CPU.
 * Used where the caller does not know the codec (a written clip keeps its source's stream, Theora
 * included, when extraction copies streams) or must be exact on damaged streams too. One thread
 * costs wall time, not CPU.
 */
export const EXACT_DECODE_ANY_CODEC: readonly string[] = ['-threads', '1', ...SAME_FRAMES_ON_ANY_CPU];

/**
 * Input options for decoding a source of this video codec to exact frames, the same on any CPU.
 * ffmpeg 5.1's threaded Theora decoder corrupts a few blocks, differently on each run (five
 * decodes of one sound stream, five MD5s); on one thread it is exact. The other decoders give the
 * same frames with any thread count on sound streams, so they keep theirs.
 */
export function exactDecodeArgs(codec: string | undefined): readonly string[] {
  return codec === 'theora' || codec === 'vp3' ? EXACT_DECODE_ANY_CODEC : SAME_FRAMES_ON_ANY_CPU;
}

/**
 * Demuxers of self-contained video files: containers, then raw elementary streams (MPEG-1/2,
 * H.264, HEVC, MPEG-4 part 2) and simple stream files (IVF, YUV4MPEG), which carry no index or
 * timestamps but read nothing beyond the file. Playlist demuxers (hls, dash, concat, ...) name
 * other files or URLs to read, and image2 reads numbered file sequences: none of them is here.
 */
export const CONTAINER_DEMUXERS = [
  'mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'avi', 'mpegts', 'mpeg', 'flv', 'asf', 'ogg', 'mxf', 'nut',
  'mpegvideo', 'h264', 'hevc', 'm4v', 'ivf', 'yuv4mpegpipe',
];

const INPUT_RESTRICTIONS = ['-format_whitelist', CONTAINER_DEMUXERS.join(','), '-protocol_whitelist', 'file'];

/**
 * The arguments with every `file:` input restricted to CONTAINER_DEMUXERS and the file protocol:
 * ffprobe's one input takes the options anywhere; ffmpeg's apply to the `-i` they precede.
 * Generated inputs (`-f lavfi -i testsrc2`) are left alone.
 */
export function restrictFileInputs(cmd: string, args: string[]): string[] {
  if (cmd === FFPROBE) return [...INPUT_RESTRICTIONS, ...args];
  if (cmd !== FFMPEG) return args;
  return args.flatMap((arg, i) => (arg === '-i' && args[i + 1]?.startsWith('file:') ? [...INPUT_RESTRICTIONS, arg] : [arg]));
}

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Keeps only the last `limit` characters of a growing text, so a chatty process cannot fill memory. */
export class TailBuffer {
  private text = '';
  constructor(private readonly limit = 64 * 1024) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * this.limit) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.slice(-this.limit);
  }
}

/**
 * Runs a tool to completion and collects its output; a non-zero exit still resolves. Rejects when
 * the tool cannot be started, or with an AbortError (the child killed) when `signal` aborts.
 */
export function runTool(cmd: string, args: string[], opts: { signal?: AbortSignal } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTool(cmd, args, opts.signal);
    const out: Buffer[] = [];
    const err = new TailBuffer();
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b.toString()));
    child.on('error', (e) => reject(missingToolError(cmd, e)));
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err.toString() }));
  });
}

export type ToolProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export function spawnTool(cmd: string, args: string[], signal?: AbortSignal): ToolProcess {
  return spawn(cmd, restrictFileInputs(cmd, args), { stdio: ['pipe', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
}

/** A spawn failure (ENOENT) says which program to install instead of a bare errno. */
export function missingToolError(cmd: string, e: Error): Error {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
    return new Error(`${cmd} was not found. Install ffmpeg (e.g. sudo apt-get install ffmpeg) or run npm run setup.`);
  }
  return e;
}

/** The last meaningful lines of a tool's stderr, for error messages. */
export function stderrTail(stderr: string, lines = 3): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}
