/**
 * A custom annotator: reads each written clip file and records its bit rate in the clip's
 * metadata. It takes clips eight at a time and runs two batches at once; an annotator that calls
 * a captioning endpoint or a model has the same shape.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ClipAnnotator } from 'clipmill';

export const bitrateTag: ClipAnnotator = {
  name: 'bitrate-tag',
  description: 'kbit/s of each written clip, into its metadata',
  batchSize: 8,
  concurrency: 2,
  async annotate(clips, work) {
    return Promise.all(clips.map(async (clip) => {
      const { size } = await stat(path.join(work.out.root, clip.file!));
      return { metadata: { kbps: Math.round((size * 8) / 1000 / clip.duration) } };
    }));
  },
};
