/** Shared helpers for the ingest tests: a temp dir per test file and draining a source stream. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { isRowError } from '../../src/sources/index.js';
import type { RowError, Source } from '../../src/types.js';

/** A fresh temp dir, removed when the test file finishes. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-sources-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` to dir/name (creating folders) and returns the path. */
export async function put(dir: string, name: string, text: string | Buffer = ''): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

export async function drain(stream: AsyncIterable<Source | RowError>): Promise<{ sources: Source[]; errors: RowError[] }> {
  const sources: Source[] = [];
  const errors: RowError[] = [];
  for await (const item of stream) {
    if (isRowError(item)) errors.push(item);
    else sources.push(item);
  }
  return { sources, errors };
}
