/**
 * A still picture of a clip, made on demand with ffmpeg: for a kept clip, a representative frame
 * of its file in the dataset folder (staged, or in its shard); for a dropped clip (never encoded), the frame in the middle of
 * its span in the source, when the source is a local file that is still there. Remote sources are
 * never fetched again, so their dropped clips have no picture.
 */
import { promises as fs } from 'node:fs';
import pLimit, { type LimitFunction } from 'p-limit';
import { ErrorCode, SourceError } from '../errors.js';
import { EXACT_DECODE_ANY_CODEC, FFMPEG, SCALE_SAME_ON_ANY_CPU, ffmpegInput, jpegOutput, runTool, stderrTail } from '../media/ffmpeg.js';
import { makeThumbnail } from '../media/thumbnail.js';
import type { SourceRecord } from '../types.js';
import type { ClipView } from './dataset.js';
import { clipBytes, withClipFile } from './clip-bytes.js';

const MAX_WIDTH = 320;

async function frameAt(file: string, seconds: number): Promise<Buffer> {
  const grab = (seek: 'input' | 'output') => {
    const at = ['-ss', seconds.toFixed(3)];
    return runTool(FFMPEG, [
      '-nostdin', '-hide_banner', '-loglevel', 'error',
      ...(seek === 'input' ? at : []), ...EXACT_DECODE_ANY_CODEC, '-i', ffmpegInput(file), ...(seek === 'output' ? at : []),
      '-map', '0:V:0', '-vf', `scale='min(${MAX_WIDTH},iw)':-2:flags=bicubic+${SCALE_SAME_ON_ANY_CPU}`,
      '-frames:v', '1', ...jpegOutput(5), '-f', 'image2pipe', 'pipe:1',
    ]);
  };
  let res = await grab('input');
  // A raw elementary stream (.h264, .hevc) has no index to seek in: ffmpeg then gives no frame at
  // all, so decode from the start up to the time instead.
  if (res.code === 0 && res.stdout.length === 0) res = await grab('output');
  if (res.code !== 0 || res.stdout.length === 0) {
    throw new SourceError(ErrorCode.DecodeFailed, `Could not read a frame of ${file}: ${stderrTail(res.stderr) || 'no output'}.`);
  }
  return res.stdout;
}

const isLocalFile = (file: string): Promise<boolean> => fs.stat(file).then((s) => s.isFile(), () => false);

/** A JPEG of the clip, or undefined when there is nothing to take it from. */
export async function clipPicture(root: string, clip: ClipView, source: SourceRecord | undefined): Promise<Buffer | undefined> {
  const span = clip.status === 'kept' ? await clipBytes(root, clip) : undefined;
  if (span) return withClipFile(span, (file) => makeThumbnail(file, MAX_WIDTH)).catch(() => undefined);
  if (source?.kind === 'file' && (await isLocalFile(source.uri))) {
    return frameAt(source.uri, (clip.start + clip.end) / 2).catch(() => undefined);
  }
  return undefined;
}

/**
 * Makes pictures with a few ffmpeg processes at most (a page asks for a grid of them at once) and
 * remembers up to `limit` of them (oldest forgotten first).
 */
export class PictureCache {
  private readonly pictures = new Map<string, Promise<Buffer | undefined>>();
  private readonly run: LimitFunction;
  constructor(concurrency = 2, private readonly limit = 2000) {
    this.run = pLimit(concurrency);
  }

  get(id: string, make: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    let picture = this.pictures.get(id);
    if (!picture) {
      if (this.pictures.size >= this.limit) this.pictures.delete(this.pictures.keys().next().value!);
      const made = this.run(make);
      this.pictures.set(id, (picture = made));
      // Nothing to picture now (the clip's file was moving into its shard) is not remembered.
      const forget = () => {
        if (this.pictures.get(id) === made) this.pictures.delete(id);
      };
      made.then((jpeg) => jpeg || forget(), forget);
    }
    return picture;
  }
}
