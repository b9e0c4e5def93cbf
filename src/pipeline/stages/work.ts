/** What a stage reads of the work of earlier stages, and the source's clip folder. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ProbeInfo } from '../../types.js';
import type { SourceWork } from '../stage.js';
import type { Analysis } from '../analyse.js';

/** Removes the source's clip folder (a fresh start, or a failed source). */
export function removeClipFiles(work: Pick<SourceWork, 'out' | 'clipsDirRel'>): Promise<void> {
  return rm(path.join(work.out.root, work.clipsDirRel), { recursive: true, force: true });
}

/** The fetched file; a stage placed before fetch is a programming error. */
export function fetchedFile(work: SourceWork, stage: string): string {
  if (!work.fetched) throw new Error(`stage ${stage} needs the fetch stage before it`);
  return work.fetched.path;
}

export function probed(work: SourceWork, stage: string): ProbeInfo {
  if (!work.record.probe) throw new Error(`stage ${stage} needs the probe stage before it`);
  return work.record.probe;
}

export function analysed(work: SourceWork, stage: string): Analysis {
  if (!work.analysis) throw new Error(`stage ${stage} needs the analyse stage before it`);
  return work.analysis;
}

/** Where in the original video the fetched file starts (yt-dlp downloads only the needed section). */
export const sectionStart = (work: SourceWork): number => Number(work.fetched?.metadata?.section_start ?? 0) || 0;
