/**
 * Reads the per-source result records of an output directory (`<out>/sources/<id>.json`) in
 * source-id order, one at a time, so that a pack over millions of sources never holds them all.
 * Partial writes (`*.tmp`, left by a task killed mid-write) and files that do not parse as a
 * record are skipped and reported, never fatal: the run that owns them redoes those sources.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SourceRecord } from '../types.js';
import { SOURCES_DIR } from '../store/layout.js';

export interface SkippedRecord {
  /** Path relative to the output directory. */
  file: string;
  reason: 'partial' | 'unreadable';
  message: string;
}

const RECORD_SUFFIX = '.json';

export const sourcesDir = (outDir: string): string => path.join(outDir, SOURCES_DIR);

/** Record file names sorted by plain code-unit order (locale-independent, so every machine agrees). */
async function recordFileNames(dir: string): Promise<string[]> {
  try {
    const names = await fs.readdir(dir);
    return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A source id is a plain file name: it names the record and the clip folder, so it must not be a path. */
const SAFE_ID = /^[A-Za-z0-9_-]+$/;

/** A version 1 record whose id is its own file name (an id like "../x" would lead pack out of the dataset). */
function isSourceRecord(value: unknown, name: string): value is SourceRecord {
  const r = value as Partial<SourceRecord> | null;
  return (
    typeof r === 'object' && r !== null && r.version === 1 && typeof r.id === 'string' &&
    SAFE_ID.test(r.id) && `${r.id}${RECORD_SUFFIX}` === name &&
    typeof r.uri === 'string' && typeof r.status === 'string' && Array.isArray(r.clips)
  );
}

/**
 * Yields every readable source record, sorted by source id (file name). `onSkip` hears about
 * each partial or unreadable file.
 */
export async function* readSourceRecords(
  outDir: string,
  onSkip: (skipped: SkippedRecord) => void = () => {},
): AsyncGenerator<SourceRecord> {
  const dir = sourcesDir(outDir);
  for (const name of await recordFileNames(dir)) {
    const file = path.join(SOURCES_DIR, name);
    if (!name.endsWith(RECORD_SUFFIX)) {
      if (name.includes('.tmp')) onSkip({ file, reason: 'partial', message: 'an interrupted write; the source will be redone by the next run' });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8'));
    } catch (err) {
      onSkip({ file, reason: 'unreadable', message: (err as Error).message });
      continue;
    }
    if (!isSourceRecord(parsed, name)) {
      onSkip({ file, reason: 'unreadable', message: 'not a version 1 source record named after its id' });
      continue;
    }
    yield parsed;
  }
}
