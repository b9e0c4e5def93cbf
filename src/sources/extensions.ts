/** File-name extensions that decide how an input is read. */
import path from 'node:path';

/** Containers clipmill looks for when walking a directory. */
const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  'mp4', 'mov', 'mkv', 'webm', 'avi', 'm4v', 'mpg', 'mpeg', 'ts', 'mts', 'm2ts', 'flv', 'wmv', '3gp', 'ogv',
]);

/** Lower-case extension without the dot ('' when there is none). */
function extensionOf(file: string): string {
  return path.extname(file).slice(1).toLowerCase();
}

export function hasVideoExtension(file: string): boolean {
  return VIDEO_EXTENSIONS.has(extensionOf(file));
}
