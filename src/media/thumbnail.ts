/** A JPEG thumbnail of a clip: ffmpeg's `thumbnail` filter picks a representative frame among the first ones. */
import { ErrorCode, SourceError } from '../errors.js';
import { EXACT_DECODE_ANY_CODEC, FFMPEG, SCALE_SAME_ON_ANY_CPU, ffmpegInput, jpegOutput, runTool, stderrTail } from './ffmpeg.js';

/** Frames the filter compares; a clip shorter than this uses all of its frames. */
const CANDIDATE_FRAMES = 50;

export async function makeThumbnail(clipFile: string, maxWidth = 320): Promise<Buffer> {
  const res = await runTool(FFMPEG, [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    ...EXACT_DECODE_ANY_CODEC, '-i', ffmpegInput(clipFile),
    '-map', '0:V:0',
    '-vf', `thumbnail=${CANDIDATE_FRAMES},scale='min(${maxWidth},iw)':-2:flags=bicubic+${SCALE_SAME_ON_ANY_CPU}`,
    '-frames:v', '1', ...jpegOutput(4), '-f', 'image2pipe', 'pipe:1',
  ]);
  if (res.code !== 0 || res.stdout.length === 0) {
    throw new SourceError(ErrorCode.EncodeFailed, `Could not make a thumbnail of ${clipFile}: ${stderrTail(res.stderr) || 'no output'}.`);
  }
  return res.stdout;
}
