/**
 * A filter stage: runs clip filters over the kept clips, first drop wins. Placed after
 * extraction, it also removes the files of the clips it drops.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { firstDrop, type ClipFilter } from '../../filters/filter.js';
import type { ClipRecord } from '../../types.js';
import { dropClip, keptClips, type SourceStage, type SourceWork } from '../stage.js';

export interface FilterStageOptions {
  name?: string;
  description?: string;
  /** The filters, or a function of the work (to read the run's thresholds from its config). */
  filters: readonly ClipFilter[] | ((work: SourceWork) => readonly ClipFilter[]);
  timing?: string | false;
}

export function filterStage(opts: FilterStageOptions): SourceStage {
  const name = opts.name ?? 'filter';
  const listed = typeof opts.filters === 'function' ? undefined : opts.filters;
  return {
    name,
    description: opts.description ?? `clip filters, first drop wins${listed ? `: ${listed.map((f) => f.name).join(', ')}` : ''}`,
    timing: opts.timing,
    async run(work) {
      const filters = typeof opts.filters === 'function' ? opts.filters(work) : opts.filters;
      for (const clip of keptClips(work)) {
        const verdict = firstDrop(filters, clip.signals ?? {}, clip);
        if (verdict.keep) continue;
        dropClip(clip, verdict.reason);
        if (clip.file) await forgetFile(clip, work.out.root);
      }
    },
  };
}

/** A clip dropped after it was written loses its file and what described it. */
async function forgetFile(clip: ClipRecord, root: string): Promise<void> {
  await rm(path.join(root, clip.file!), { force: true });
  for (const key of ['file', 'bytes', 'width', 'height', 'snappedToKeyframes'] as const) delete clip[key];
}
