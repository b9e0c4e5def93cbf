/**
 * ffprobe, reduced to what the pipeline needs, with every way a file can be unusable mapped to a
 * stable error code (a text file, an image, audio only, a cut-off download, an unknown codec).
 */
import { open, stat } from 'node:fs/promises';
import { ErrorCode, SourceError } from '../errors.js';
import type { ProbeInfo } from '../types.js';
import { FFPROBE, ffmpegInput, runTool, stderrTail } from './ffmpeg.js';

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  pix_fmt?: string;
  field_order?: string;
  sample_rate?: string;
  channels?: number;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}
interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string };
}

/** Containers that hold one still picture, not a video. */
const IMAGE_FORMATS = /(^|,)(image2|png_pipe|jpeg_pipe|webp_pipe|bmp_pipe|gif|tiff_pipe|svg_pipe)($|,)/;

function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [n, d] = rate.split('/').map(Number);
  if (!d) return Number.isFinite(n) ? n : 0;
  return n / d;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  /** ffprobe is killed after this long (a stalled input must not hold a worker); default 60 s. */
  timeoutSec?: number;
}

const DEFAULT_PROBE_TIMEOUT_SEC = 60;

/** Rejects with `signal`'s reason when aborted, SourceError(timeout) when ffprobe runs past its time. */
export async function probe(file: string, opts: ProbeOptions = {}): Promise<ProbeInfo> {
  const size = await fileSize(file);
  const timeoutSec = opts.timeoutSec ?? DEFAULT_PROBE_TIMEOUT_SEC;
  const timer = AbortSignal.timeout(timeoutSec * 1000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timer]) : timer;
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ffmpegInput(file)];
  const res = await runTool(FFPROBE, args, { signal }).catch((err: unknown) => {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (timer.aborted) throw new SourceError(ErrorCode.Timeout, `ffprobe did not finish reading the file within ${timeoutSec} s.`);
    throw err;
  });
  let raw: RawProbe = {};
  try {
    raw = JSON.parse(res.stdout.toString() || '{}') as RawProbe;
  } catch {
    raw = {};
  }
  if (!raw.format) throw await unreadableError(file, res.stderr);
  return toProbeInfo(raw, size);
}

async function fileSize(file: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new SourceError(ErrorCode.FileNotFound, `The file ${file} does not exist or cannot be read.`);
  }
  if (size === 0) throw new SourceError(ErrorCode.EmptyFile, 'The file is empty (0 bytes).');
  return size;
}

/** Demuxers whose input names other files or URLs to read (see CONTAINER_DEMUXERS in ffmpeg.ts). */
const PLAYLIST_DEMUXERS = new Set(['hls', 'dash', 'concat', 'webm_dash_manifest', 'imf', 'ffmetadata', 'mpl2', 'hds']);
const IMAGE_DEMUXER = /^(image2|[a-z0-9]+_pipe|gif|apng)$/;

/** The demuxer ffmpeg recognised but refused because it is not a video container ("[hls @ 0x..] Format not on whitelist"). */
function refusedDemuxer(stderr: string): SourceError | undefined {
  const name = /\[([\w,]+) @ 0x[0-9a-f]+\] Format not on whitelist/.exec(stderr)?.[1];
  if (!name) return undefined;
  if (PLAYLIST_DEMUXERS.has(name)) {
    return new SourceError(ErrorCode.RefusedPlaylist, `The file is a ${name} playlist; clipmill does not follow the files or URLs a playlist names.`);
  }
  if (IMAGE_DEMUXER.test(name)) return new SourceError(ErrorCode.NotAVideo, `The file is an image (${name}), not a video.`);
  return new SourceError(ErrorCode.UnsupportedContainer, `The file is in the ${name} format, which is not a video container clipmill reads.`);
}

/**
 * ffprobe could not open the file: a refused format says which, an MP4/MOV header without its
 * index is a cut-off download, anything else is not video.
 */
async function unreadableError(file: string, stderr: string): Promise<SourceError> {
  const refused = refusedDemuxer(stderr);
  if (refused) return refused;
  if (/moov atom not found/.test(stderr) && (await startsWithFtyp(file))) {
    return new SourceError(
      ErrorCode.TruncatedVideo,
      'The MP4/MOV file is incomplete: its index (moov atom) is missing, usually because the download was cut off.',
    );
  }
  return new SourceError(ErrorCode.NotAVideo, `The file is not a video ffmpeg can read (${stderrTail(stderr, 1) || 'unknown format'}).`);
}

async function startsWithFtyp(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    return head.subarray(4, 8).toString('latin1') === 'ftyp';
  } finally {
    await fh.close();
  }
}

function toProbeInfo(raw: RawProbe, size: number): ProbeInfo {
  const format = raw.format ?? {};
  const streams = raw.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  const container = format.format_name ?? 'unknown';
  if (IMAGE_FORMATS.test(container)) {
    throw new SourceError(ErrorCode.NotAVideo, `The file is a still image (${container}), not a video.`);
  }
  if (!video) {
    const what = audio ? `only audio (${audio.codec_name ?? 'unknown codec'})` : 'no video stream';
    throw new SourceError(ErrorCode.NoVideoStream, `The file has ${what}; there is nothing to cut into clips.`);
  }
  if (!video.codec_name || video.codec_name === 'none') {
    throw new SourceError(
      ErrorCode.UnsupportedCodec,
      `The video codec (tag ${video.codec_tag_string ?? '?'}) is not supported by this ffmpeg build.`,
    );
  }
  if (!video.width || !video.height) {
    throw new SourceError(ErrorCode.CorruptVideo, 'The video stream has no picture size; the file is probably damaged.');
  }
  const rotation = readRotation(video);
  const sar = parseRate(video.sample_aspect_ratio?.replace(':', '/')) || 1;
  const storedWidth = Math.round(video.width * sar);
  const [width, height] = Math.abs(rotation) % 180 === 90 ? [video.height, storedWidth] : [storedWidth, video.height];
  const avg = parseRate(video.avg_frame_rate);
  const real = parseRate(video.r_frame_rate);
  const fps = avg || real;
  const durationSec = Number(video.duration ?? format.duration ?? 0) || Number(format.duration ?? 0) || 0;
  const stated = Number(video.nb_frames ?? 0);
  return {
    container,
    durationSec,
    sizeBytes: size,
    bitRate: format.bit_rate ? Number(format.bit_rate) : undefined,
    video: {
      codec: video.codec_name,
      width,
      height,
      fps,
      frameCount: stated > 0 ? stated : Math.round(durationSec * fps),
      frameCountExact: stated > 0,
      rotation,
      pixFmt: video.pix_fmt,
      fieldOrder: video.field_order,
      variableFrameRate: avg > 0 && real > 0 && Math.abs(avg - real) / real > 0.01,
    },
    audio: audio
      ? { codec: audio.codec_name ?? 'unknown', sampleRate: Number(audio.sample_rate) || undefined, channels: audio.channels }
      : undefined,
  };
}

/** Interlaced material (field order top/bottom first) is deinterlaced before analysis and encoding. */
export function isInterlaced(info: ProbeInfo): boolean {
  return ['tt', 'bb', 'tb', 'bt'].includes(info.video.fieldOrder ?? '');
}

function readRotation(video: RawStream): number {
  const fromSide = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const fromTag = video.tags?.rotate ? Number(video.tags.rotate) : undefined;
  return fromSide ?? fromTag ?? 0;
}
