/**
 * Video files under a directory, recursively, in a deterministic order (entries sorted by their
 * UTF-16 code units, not the locale). Symbolic links to files are followed; links to directories
 * are not, so a link cycle cannot loop. Clipmill output directories (holding OUTPUT_MARKER) are
 * not entered, so a run whose output lies inside its input folder never reads its own clips.
 * A folder that cannot be listed (permissions, removed meanwhile) is reported and skipped, so one
 * bad subfolder does not stop the walk.
 */
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { OUTPUT_MARKER } from '../store/output.js';
import { hasVideoExtension } from './extensions.js';

/** A folder the walk could not list. */
export interface UnreadableFolder {
  folder: string;
  error: Error;
}

export async function* walkVideoFiles(dir: string): AsyncGenerator<string | UnreadableFolder> {
  const entries: { name: string; isDir: boolean; isLink: boolean; isFile: boolean }[] = [];
  try {
    for await (const e of await opendir(dir)) {
      entries.push({ name: e.name, isDir: e.isDirectory(), isLink: e.isSymbolicLink(), isFile: e.isFile() });
    }
  } catch (err) {
    yield { folder: dir, error: err as Error };
    return;
  }
  if (entries.some((e) => e.name === OUTPUT_MARKER)) return;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDir) yield* walkVideoFiles(full);
    else if (hasVideoExtension(e.name) && (e.isFile || (e.isLink && (await isFileTarget(full))))) yield full;
  }
}

async function isFileTarget(link: string): Promise<boolean> {
  try {
    return (await stat(link)).isFile();
  } catch {
    return false; // a dangling link
  }
}
