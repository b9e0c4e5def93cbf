/**
 * Reads the per-source result records of an output directory (the record store,
 * store/record-store.ts) in record order, a few at a time, so that a pack over millions of
 * sources never holds them all. Partial writes (`*.tmp`, left by a task killed mid-write) and
 * files that do not parse as a record are skipped and reported, never fatal: the run that owns
 * them redoes those sources.
 */
import { promises as fs } from 'node:fs';
import type { SourceRecord } from '../types.js';
import { flatRecordRelPath, recordRelPath, RecordStore, SAFE_ID, type RecordFile } from '../store/record-store.js';

export interface SkippedRecord {
  /** Path relative to the output directory. */
  file: string;
  reason: 'partial' | 'unreadable';
  message: string;
}

/** Record files read at once, ahead of the one yielded: keeps the disk busy, holds few records. */
const READ_AHEAD = 32;

/** A version 1 record lying where its id says (an id like "../x" would lead pack out of the dataset). */
function isSourceRecord(value: unknown, rel: string): value is SourceRecord {
  const r = value as Partial<SourceRecord> | null;
  return (
    typeof r === 'object' && r !== null && r.version === 1 && typeof r.id === 'string' &&
    SAFE_ID.test(r.id) && (rel === recordRelPath(r.id) || rel === flatRecordRelPath(r.id)) &&
    typeof r.uri === 'string' && typeof r.status === 'string' && Array.isArray(r.clips)
  );
}

interface Pending {
  entry: RecordFile;
  text: Promise<string | Error> | undefined;
}

/** The record a listed file holds, or the reason it is skipped. */
async function settle({ entry, text }: Pending): Promise<{ record: SourceRecord } | { skipped: SkippedRecord }> {
  const skip = (reason: SkippedRecord['reason'], message: string) => ({ skipped: { file: entry.rel, reason, message } });
  if (!text) return skip('partial', 'an interrupted write; the source will be redone by the next run');
  const read = await text;
  if (read instanceof Error) return skip('unreadable', read.message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(read);
  } catch (err) {
    return skip('unreadable', (err as Error).message);
  }
  return isSourceRecord(parsed, entry.rel) ? { record: parsed } : skip('unreadable', 'not a version 1 source record lying where its id says');
}

/**
 * Yields every readable source record, in record order (source-id order for hashed ids, the
 * same on every machine). `onSkip` hears about each partial or unreadable file, in that order too.
 */
export async function* readSourceRecords(
  outDir: string,
  onSkip: (skipped: SkippedRecord) => void = () => {},
): AsyncGenerator<SourceRecord> {
  const queue: Pending[] = [];
  async function* next(): AsyncGenerator<SourceRecord> {
    const result = await settle(queue.shift()!);
    if ('record' in result) yield result.record;
    else onSkip(result.skipped);
  }
  for await (const entry of new RecordStore(outDir).files()) {
    const text = entry.kind === 'record' ? fs.readFile(entry.file, 'utf8').catch((err: Error) => err) : undefined;
    queue.push({ entry, text });
    if (queue.length > READ_AHEAD) yield* next();
  }
  while (queue.length > 0) yield* next();
}
