/**
 * `runs.jsonl` in the dataset folder: one line per `clipmill run` that wrote into it (command,
 * clipmill version, settings, start time), so the datasheet can say how the dataset was collected.
 * Passwords in URLs (a Redis queue URL) are masked before anything is written.
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const RUN_LOG_FILE = 'runs.jsonl';

export interface RunLogEntry {
  started_at: string;
  clipmill_version: string;
  node_version: string;
  /** The command line as typed, after `clipmill`. */
  command: string[];
  /** local, or queue (a distributed run through Redis). */
  executor: 'local' | 'queue';
  config: unknown;
}

export const clipmillVersion = (): string => (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const maskPasswords = (text: string): string => text.replace(/(\/\/[^/:@\s]*):[^@/\s]*@/g, '$1:***@');

export async function appendRunLog(outDir: string, run: Omit<RunLogEntry, 'started_at' | 'clipmill_version' | 'node_version'>): Promise<void> {
  const entry: RunLogEntry = {
    started_at: new Date().toISOString(),
    clipmill_version: clipmillVersion(),
    node_version: process.version,
    ...run,
    command: run.command.map(maskPasswords),
  };
  await fs.appendFile(path.join(outDir, RUN_LOG_FILE), `${JSON.stringify(entry)}\n`);
}

/** The runs logged in the folder, oldest first; lines that do not parse are skipped. */
export async function readRunLog(outDir: string): Promise<RunLogEntry[]> {
  const text = await fs.readFile(path.join(outDir, RUN_LOG_FILE), 'utf8').catch(() => '');
  const entries: RunLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as RunLogEntry);
    } catch {
      // a line cut short by a crash mid-append
    }
  }
  return entries;
}
