/**
 * Extract: every kept clip of the source written by one ffmpeg pass (frame-exact cuts, or stream
 * copy snapped to keyframes), then clip times moved onto the original video's timeline when the
 * fetched file is a section of it.
 */
import path from 'node:path';
import { cropFor } from '../../filters/judge.js';
import { roundFps, roundTime, setClipTimes } from '../../schema/numbers.js';
import { extractClips, type ExtractSpan } from '../../media/extract.js';
import type { ClipRecord } from '../../types.js';
import { keptClips, type SourceStage } from '../stage.js';
import { fetchedFile, probed, sectionStart } from './work.js';

export const extractStage: SourceStage = {
  name: 'extract',
  description: 'one ffmpeg pass writes every kept clip (codec, size, fps cap, crop of bars)',
  async run(work) {
    const { cfg } = work;
    const kept = keptClips(work);
    if (kept.length > 0) {
      const spans: ExtractSpan[] = kept.map((clip) => ({
        clipId: clip.clipId,
        startFrame: clip.startFrame,
        endFrame: clip.endFrame,
        startTime: clip.startTime,
        endTime: clip.endTime,
        crop: cfg.extract.cropBars ? cropFor(clip.signals ?? {}) : undefined,
      }));
      const absDir = path.join(work.out.root, work.clipsDirRel);
      const written = await extractClips(fetchedFile(work, this.name), probed(work, this.name), spans, absDir, cfg.extract, {
        signal: work.signal,
        hwaccel: work.hwaccel,
      });
      const byId = new Map(written.map((w) => [w.clipId, w]));
      for (const clip of kept) {
        const w = byId.get(clip.clipId);
        if (!w) continue;
        Object.assign(clip, {
          file: path.join(work.clipsDirRel, path.basename(w.file)),
          bytes: w.bytes,
          width: w.width,
          height: w.height,
          fps: roundFps(w.fps),
          snappedToKeyframes: w.snappedToKeyframes || undefined,
        });
        if (w.reencodedBecause) clip.metadata = { ...clip.metadata, stream_copy_fallback: `re-encoded: ${w.reencodedBecause}` };
        if (w.snappedToKeyframes) setClipTimes(clip, w.startTime, w.endTime);
      }
    }
    const offset = sectionStart(work);
    if (offset) toOriginalTimeline(work.record.clips, offset);
  },
};

/**
 * A section download starts `offset` seconds into the original video: clip times are moved back
 * onto the original's timeline (frames still count from the start of the downloaded section).
 */
function toOriginalTimeline(clips: ClipRecord[], offset: number): void {
  for (const clip of clips) {
    clip.startTime = roundTime(clip.startTime + offset);
    clip.endTime = roundTime(clip.endTime + offset);
    clip.metadata = { ...clip.metadata, section_start: offset };
  }
}
