/**
 * Path safety for everything the dashboard and the report read on a request's behalf: a path is
 * used only when it resolves, symbolic links followed, to a regular file inside the dataset folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The real path of `relative` under `root` when it is a file inside root; undefined otherwise. */
export async function fileInside(root: string, relative: string): Promise<string | undefined> {
  if (path.isAbsolute(relative) || relative.includes('\0')) return undefined;
  try {
    const realRoot = await fs.realpath(root);
    const real = await fs.realpath(path.join(realRoot, relative));
    const within = path.relative(realRoot, real);
    if (within === '' || within.startsWith('..') || path.isAbsolute(within)) return undefined;
    return (await fs.stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}
