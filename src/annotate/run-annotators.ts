/**
 * The annotators of a run, made once per process (so the captioner's concurrency limit is shared
 * by every task), and the pass before pack that fills in what finished records still lack:
 * captions that failed, or embeddings and captions asked for after the clips were made.
 */
import path from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { readSourceRecords } from '../pack/records.js';
import type { OutputDir } from '../store/output.js';
import { Captioner } from './captioner.js';
import { describeClips, needsDescribing, type Annotators } from './describe-clips.js';
import { ClipEmbedder } from './embedder.js';

/** Where cached model answers live inside the output directory. */
export const CAPTION_CACHE_DIR = path.join('annotations', 'captions');

export function runAnnotators(cfg: RunConfig, outRoot: string): Annotators {
  return {
    caption: cfg.caption,
    captioner: cfg.caption.endpoint ? new Captioner(cfg.caption, path.join(outRoot, CAPTION_CACHE_DIR), process.env[cfg.caption.apiKeyEnv]) : undefined,
    embedder: cfg.embed.model ? new ClipEmbedder({ modelPath: cfg.embed.model, frames: cfg.embed.frames, mean: cfg.embed.mean, std: cfg.embed.std }) : undefined,
  };
}

/** Describes kept clips of finished records that still lack something; returns how many records changed. */
export async function describeMissing(out: OutputDir, annotators: Annotators, signal?: AbortSignal): Promise<number> {
  if (!annotators.captioner && !annotators.embedder) return 0;
  let changed = 0;
  for await (const record of readSourceRecords(out.root)) {
    if (record.status !== 'done' || !record.clips.some((c) => needsDescribing(c, annotators))) continue;
    if (await describeClips(record, out.root, annotators, signal)) {
      await out.writeRecord(record);
      changed++;
    }
  }
  return changed;
}
