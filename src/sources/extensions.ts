/** File-name extensions that decide how an input is read. */
import path from 'node:path';

/** Containers clipmill looks for when walking a directory. */
const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  'mp4', 'mov', 'mkv', 'webm', 'avi', 'm4v', 'mpg', 'mpeg', 'ts', 'mts', 'm2ts', 'flv', 'wmv', '3gp', 'ogv',
  // Elementary streams and simple stream files (no container index: frames are counted by decoding).
  'm1v', 'm2v', 'h264', '264', 'hevc', 'h265', '265', 'ivf', 'y4m',
]);

/** Lower-case extension without the dot ('' when there is none). */
function extensionOf(file: string): string {
  return path.extname(file).slice(1).toLowerCase();
}

export function hasVideoExtension(file: string): boolean {
  return VIDEO_EXTENSIONS.has(extensionOf(file));
}
