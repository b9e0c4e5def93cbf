/**
 * The reduce step of every run, local or distributed: the sweep of sources no writer committed
 * (descriptions still missing asked for first), dedup across sources (pixels, then embeddings),
 * final index parts, stats, attribution, and what a person must be told about it. Both executors call `packRun`, so a run
 * reports the same warnings whichever way it ran.
 */
import type { RunConfig } from '../config/schema.js';
import { pack, type PackSummary } from '../pack/index.js';
import { openDuplicateIndex } from '../pack/duplicate-index.js';
import { markSemanticDuplicateRows } from '../pack/semantic-dedup.js';
import { OutputDir } from '../store/output.js';
import { partWriterOptions } from './parts.js';
import type { WriterFactory } from '../pack/writer.js';
import { writeAttribution } from '../policy/attribution.js';
import { licenseWarning } from '../policy/policy.js';

/** What a run's pack step did, small enough to travel in a queue job's result. */
export interface PackOutcome {
  sources: number;
  clipsKept: number;
  clipsDropped: number;
  duplicates: number;
  /** Shards of the whole dataset (an append adds to them). */
  shards: number;
  /** Sentences for the person running it: what pack had to work around, and the licence warning. */
  warnings: string[];
}

export interface RunTimes {
  startedAt: string;
  finishedAt: string;
}

/** Reduces `outDir` (its pending parts, after sweeping in sources no writer committed) and writes the attribution file. */
export async function packOutput(outDir: string, cfg: RunConfig, run: RunTimes, makeWriter?: WriterFactory): Promise<PackSummary> {
  // The sweep commits as a run's writers do: same tars, thumbnails, and descriptions still missing asked for first.
  const { thumbnail, prepare } = partWriterOptions(new OutputDir(outDir), cfg, makeWriter);
  const summary = await pack(outDir, cfg.pack, run, {
    makeWriter,
    thumbnail,
    prepare,
    duplicateIndex: () => openDuplicateIndex(outDir),
    markSemanticDuplicates: cfg.embed.dedupThreshold > 0 ? (rows) => markSemanticDuplicateRows(rows, cfg.embed.dedupThreshold) : undefined,
  });
  await writeAttribution(outDir);
  return summary;
}

/** Packs `outDir` and sums it up with its warnings. */
export async function packRun(outDir: string, cfg: RunConfig, run: RunTimes, makeWriter?: WriterFactory): Promise<PackOutcome> {
  return packOutcome(await packOutput(outDir, cfg, run, makeWriter), cfg);
}

export function packOutcome(summary: PackSummary, cfg: RunConfig): PackOutcome {
  return {
    sources: summary.sources,
    clipsKept: summary.clips.kept,
    clipsDropped: summary.clips.dropped,
    duplicates: summary.duplicates,
    shards: summary.stats.shards.count,
    warnings: packWarnings(summary, cfg),
  };
}

/** Clip files that went missing, pack's own warnings (unreadable records among them), then the licence warning. */
function packWarnings(summary: PackSummary, cfg: RunConfig): string[] {
  const warnings: string[] = [];
  if (summary.missingFiles.length > 0) {
    warnings.push(`${summary.missingFiles.length} kept clips had no file any more and were dropped (reason missing_file)`);
  }
  warnings.push(...summary.warnings);
  const licence = licenseWarning(summary.stats.sources.done_by_licence, cfg.policy);
  if (licence) warnings.push(licence);
  return warnings;
}
