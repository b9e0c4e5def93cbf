/** Atomic file replacement for pack outputs: readers see the old file or the new one, never half. */
import { promises as fs } from 'node:fs';

export const tmpPathFor = (file: string): string => `${file}.tmp`;

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tmpPathFor(file);
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}
