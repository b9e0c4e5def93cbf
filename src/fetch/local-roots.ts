/**
 * Which local files a run may read. A manifest written by someone else can name any path
 * (/etc/shadow, ~/.ssh/id_rsa, another user's videos), so local files are read only under roots
 * the user named: `--allow-local <dir>` and the folders and files given on the command line.
 * Paths are compared after resolving symbolic links, so a link inside a root cannot lead out.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FatalError, SourceError } from '../errors.js';

export class LocalRoots {
  private constructor(private readonly roots: string[]) {}

  /** No local file may be read (a worker not given --allow-local). */
  static readonly none = new LocalRoots([]);

  /** The given folders and files, resolved; one that does not exist is a FatalError naming `what`. */
  static async of(paths: string[], what = '--allow-local'): Promise<LocalRoots> {
    const roots = await Promise.all(
      paths.map((p) => realpath(p).catch(() => {
        throw new FatalError(`${what} ${p}: no such file or folder`);
      })),
    );
    return new LocalRoots(roots);
  }

  /** The file's real path when it lies under (or is) a root; SourceError(refused_local_path) otherwise. */
  async check(file: string): Promise<string> {
    const real = await realpath(file).catch(() => path.resolve(file));
    if (this.roots.some((root) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep))) return real;
    throw new SourceError(
      ErrorCode.RefusedLocalPath,
      `The local file ${file} is outside the folders allowed for local files; name its folder with --allow-local <dir> to read it.`,
    );
  }
}
