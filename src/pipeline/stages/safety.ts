/**
 * The optional safety score as an annotator: clips that passed the other filters are scored by
 * the bundled NSFW model (a second decode of the kept spans only, all of a source's clips in one
 * batch) before anything is encoded; the filter stage after it drops the unsafe ones.
 */
import { clipSafetyScores } from '../../analysis/safety-clips.js';
import { analysisSize } from '../../media/frames.js';
import { isInterlaced } from '../../media/probe.js';
import type { ClipAnnotator } from '../annotator.js';
import { fetchedFile, probed } from './work.js';

export const safetyAnnotator: ClipAnnotator = {
  name: 'safety',
  description: 'nsfw score of three frames per kept clip (bundled nsfwjs model, CPU)',
  batchSize: Infinity,
  concurrency: 1,
  async annotate(clips, work) {
    const probe = probed(work, this.name);
    const size = analysisSize(probe.video.width, probe.video.height, work.cfg.segment.analysisWidth);
    const scores = await clipSafetyScores(fetchedFile(work, this.name), [...clips], {
      ...size, hwaccel: work.hwaccel, deinterlace: isInterlaced(probe), signal: work.signal,
    });
    return scores.map((s) => ({ signals: { nsfw: s.nsfw } }));
  },
};
