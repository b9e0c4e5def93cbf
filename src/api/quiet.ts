/** A progress sink that counts but prints nothing: the library's default. */
import { RunProgress } from '../cli/progress.js';

const nowhere = { write: () => true } as unknown as NodeJS.WriteStream;

export function quietProgress(): RunProgress {
  return new RunProgress(nowhere, false);
}
