/**
 * `rechecks.jsonl` in the output directory: when each source was last asked whether it is still
 * there, and what came back. A recheck appends one line per source as it goes (so a killed run
 * keeps what it learnt), then rewrites the file atomically with only the latest line per source.
 * A torn last line (a run killed mid-write) is ignored.
 */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readSourceRecords } from '../pack/records.js';
import { writeFileAtomic } from '../store/output.js';
import type { RecheckOutcome } from './recheck-origin.js';

export const RECHECKS_FILE = 'rechecks.jsonl';

/** One line of `rechecks.jsonl`. */
export interface RecheckEntry {
  source: string;
  uri: string;
  checked_at: string;
  outcome: RecheckOutcome;
  reason: string;
}

const logPath = (outDir: string): string => path.join(outDir, RECHECKS_FILE);

/** The latest entry per source id; empty when nothing was ever rechecked. */
export async function readRecheckLog(outDir: string): Promise<Map<string, RecheckEntry>> {
  let text: string;
  try {
    text = await readFile(logPath(outDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const latest = new Map<string, RecheckEntry>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as RecheckEntry;
      if (typeof entry.source === 'string' && typeof entry.checked_at === 'string') latest.set(entry.source, entry);
    } catch {
      // A line cut short by a killed run: that check is simply done again.
    }
  }
  return latest;
}

export async function appendRecheck(outDir: string, entry: RecheckEntry): Promise<void> {
  await appendFile(logPath(outDir), JSON.stringify(entry) + '\n');
}

/** Rewrites the log atomically with one line per source (the latest), in source-id order. */
export async function compactRecheckLog(outDir: string): Promise<void> {
  const latest = [...(await readRecheckLog(outDir)).values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  await writeFileAtomic(logPath(outDir), latest.map((e) => JSON.stringify(e) + '\n').join(''));
}

/** How fresh a dataset's rights are: when its admitted web sources were last rechecked. */
export interface RightsFreshness {
  /** Admitted sources that have an origin to ask (local files have none). */
  web_sources: number;
  rechecked: number;
  never_rechecked: number;
  oldest_check: string | null;
  newest_check: string | null;
  /** Latest outcome of each rechecked admitted source. */
  outcomes: Partial<Record<RecheckOutcome, number>>;
}

export async function rightsFreshness(outDir: string): Promise<RightsFreshness> {
  const log = await readRecheckLog(outDir);
  const fresh: RightsFreshness = { web_sources: 0, rechecked: 0, never_rechecked: 0, oldest_check: null, newest_check: null, outcomes: {} };
  for await (const record of readSourceRecords(outDir)) {
    if (record.status !== 'done' || record.kind === 'file') continue;
    fresh.web_sources++;
    const entry = log.get(record.id);
    if (!entry) {
      fresh.never_rechecked++;
      continue;
    }
    fresh.rechecked++;
    fresh.outcomes[entry.outcome] = (fresh.outcomes[entry.outcome] ?? 0) + 1;
    if (fresh.oldest_check === null || entry.checked_at < fresh.oldest_check) fresh.oldest_check = entry.checked_at;
    if (fresh.newest_check === null || entry.checked_at > fresh.newest_check) fresh.newest_check = entry.checked_at;
  }
  return fresh;
}
