/** `pack`: (re)packs an output directory from its records: dedup, shards, index, stats, attribution. */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { packRun, type PackOutcome } from '../pipeline/pack-step.js';
import type { WriterFactory } from '../pack/writer.js';
import type { RunSettings } from './run.js';

export async function pack(outDir: string, config?: RunSettings, opts: { makeWriter?: WriterFactory } = {}): Promise<PackOutcome> {
  const cfg = await loadConfig(undefined, { ...config });
  const now = new Date().toISOString();
  return packRun(path.resolve(outDir), cfg, { startedAt: now, finishedAt: now }, opts.makeWriter);
}
