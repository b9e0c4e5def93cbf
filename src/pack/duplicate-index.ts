/**
 * The near-duplicate index the reduce asks: clips of the pending parts against every clip already
 * final and against each other, an existing final clip always being the one kept. It is the
 * persistent, sharded SignatureIndex (signature-index.ts) under `index/signatures/`;
 * `openDuplicateIndex` is the one place that opens it.
 */
import path from 'node:path';
import type { DedupOptions, DedupRow } from './dedup.js';
import { SignatureIndex } from './signature-index.js';

export const SIGNATURES_DIR = path.posix.join('index', 'signatures');

export interface DuplicateIndex {
  /** clipId -> kept clip id it duplicates, for the batch against the index and within the batch. */
  findDuplicates(batch: DedupRow[]): Promise<Map<string, string>>;
  /** Adds kept clips as one run named runId (adding the same runId again is a no-op). */
  add(runId: string, rows: DedupRow[]): Promise<void>;
  close(): Promise<void>;
}

/** The dataset's duplicate index (under `index/signatures/`). */
export const openDuplicateIndex = (outDir: string, opts?: DedupOptions): Promise<DuplicateIndex> =>
  SignatureIndex.open(path.join(outDir, SIGNATURES_DIR), opts);
