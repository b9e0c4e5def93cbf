/**
 * The near-duplicate index the reduce asks: clips of the pending parts against every clip already
 * final and against each other, an existing final clip always being the one kept. Its API is that
 * of the persistent, sharded SignatureIndex (signature-index.ts); `FlatSignatureIndex` is a stand-in
 * with the same API and matching rules (dedup.ts markDuplicates) that keeps every kept signature
 * in one JSON-lines file per run under `index/signatures/flat/` and matches in memory: correct,
 * but memory and time grow with the dataset. `openDuplicateIndex` is the one place that picks.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/output.js';
import { markDuplicates, type DedupOptions, type DedupRow } from './dedup.js';

export const SIGNATURES_DIR = path.posix.join('index', 'signatures');

export interface DuplicateIndex {
  /** clipId -> kept clip id it duplicates, for the batch against the index and within the batch. */
  findDuplicates(batch: DedupRow[]): Promise<Map<string, string>>;
  /** Adds kept clips as one run named runId (adding the same runId again is a no-op). */
  add(runId: string, rows: DedupRow[]): Promise<void>;
  close(): Promise<void>;
}

const RUN_FILE = /^([0-9A-Za-z_-]+)\.jsonl$/;

export class FlatSignatureIndex implements DuplicateIndex {
  private constructor(private readonly dir: string, private readonly opts: DedupOptions) {}

  static async open(dir: string, opts: DedupOptions = {}): Promise<FlatSignatureIndex> {
    await fs.mkdir(dir, { recursive: true });
    return new FlatSignatureIndex(dir, opts);
  }

  private async stored(): Promise<DedupRow[]> {
    const rows: DedupRow[] = [];
    for (const name of (await fs.readdir(this.dir)).filter((n) => RUN_FILE.test(n)).sort()) {
      const text = await fs.readFile(path.join(this.dir, name), 'utf8');
      for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as DedupRow);
    }
    return rows;
  }

  async findDuplicates(batch: DedupRow[]): Promise<Map<string, string>> {
    const existing = await this.stored();
    const isExisting = new Set(existing.map((r) => r.clipId));
    const verdicts = markDuplicates([...existing, ...batch], this.opts);
    // Groups by the copy markDuplicates kept; a group holding a final clip keeps that one instead.
    const groups = new Map<string, string[]>();
    for (const [copy, kept] of verdicts) groups.set(kept, [...(groups.get(kept) ?? []), copy]);
    const out = new Map<string, string>();
    for (const [kept, copies] of groups) {
      const members = [kept, ...copies];
      const keep = members.find((id) => isExisting.has(id)) ?? kept;
      for (const id of members) if (id !== keep && !isExisting.has(id)) out.set(id, keep);
    }
    return out;
  }

  async add(runId: string, rows: DedupRow[]): Promise<void> {
    const file = path.join(this.dir, `${runId}.jsonl`);
    if (await fs.stat(file).then(() => true, () => false)) return;
    await writeFileAtomic(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  async close(): Promise<void> {}
}

/** The dataset's duplicate index (under `index/signatures/`). */
export const openDuplicateIndex = (outDir: string, opts?: DedupOptions): Promise<DuplicateIndex> =>
  FlatSignatureIndex.open(path.join(outDir, SIGNATURES_DIR, 'flat'), opts);
