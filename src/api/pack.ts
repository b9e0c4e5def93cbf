/** `pack`: (re)packs an output directory from its records: dedup, shards, index, stats, attribution. */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { packRun, type PackOutcome } from '../pipeline/pack-step.js';
import type { WriterFactory } from '../pack/writer.js';
import { withOutputLock } from '../store/run-lock.js';
import type { RunSettings } from './run.js';

/** Holds the output's lock, so that it never interleaves with a local run or a takedown on the same folder. */
export async function pack(outDir: string, config?: RunSettings, opts: { makeWriter?: WriterFactory } = {}): Promise<PackOutcome> {
  const cfg = await loadConfig(undefined, { ...config });
  const now = new Date().toISOString();
  const dir = path.resolve(outDir);
  return withOutputLock(dir, () => packRun(dir, cfg, { startedAt: now, finishedAt: now }, opts.makeWriter));
}
