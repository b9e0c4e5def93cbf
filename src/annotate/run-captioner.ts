/**
 * The captioner of a run (one per process, so its concurrency limit is shared by every task), and
 * the pass before pack that asks again for captions that failed or are missing in finished records.
 */
import path from 'node:path';
import type { RunConfig } from '../config/schema.js';
import type { OutputDir } from '../store/output.js';
import { Captioner } from './captioner.js';
import { describeClips, needsCaption } from './describe-clips.js';

/** Where cached model answers live inside the output directory. */
export const CAPTION_CACHE_DIR = path.join('annotations', 'captions');

export function runCaptioner(cfg: RunConfig, outRoot: string): Captioner | undefined {
  if (!cfg.caption.endpoint) return undefined;
  return new Captioner(cfg.caption, path.join(outRoot, CAPTION_CACHE_DIR), process.env[cfg.caption.apiKeyEnv]);
}

/** Captions kept clips of finished records that still lack one; returns how many records changed. */
export async function captionMissing(out: OutputDir, cfg: RunConfig, captioner: Captioner | undefined, signal?: AbortSignal): Promise<number> {
  if (!captioner) return 0;
  let changed = 0;
  for (const id of await out.recordedIds()) {
    const record = await out.readRecord(id);
    if (!record || record.status !== 'done' || !record.clips.some(needsCaption)) continue;
    if (await describeClips(record, out.root, cfg.caption, captioner, signal)) {
      await out.writeRecord(record);
      changed++;
    }
  }
  return changed;
}
