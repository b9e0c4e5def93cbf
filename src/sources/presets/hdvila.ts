/** HD-VILA-100M: JSONL rows `{video_id, url, clip: [{clip_id, span: ["HH:MM:SS.mmm", "HH:MM:SS.mmm"]}]}`. */
import type { Preset } from './preset.js';
import { otherFields, textField } from './preset.js';
import { spanOf } from './timestamps.js';

function clipList(value: unknown): unknown[] {
  const list = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(list)) throw new Error('clip must be a list');
  return list;
}

export const hdvila: Preset = {
  name: 'hdvila',
  columns: ['video_id', 'url', 'clip'],
  toDraft(fields) {
    const spans = clipList(fields.clip).map((clip, i) => {
      const { clip_id: clipId, span } = (clip ?? {}) as { clip_id?: unknown; span?: unknown };
      if (!Array.isArray(span) || span.length !== 2) throw new Error(`clip ${i + 1}: span must be [start, end]`);
      return spanOf(span[0], span[1], typeof clipId === 'string' ? { datasetClipId: clipId } : {});
    });
    return { uri: textField(fields, 'url'), webPage: true, spans, metadata: otherFields(fields, ['url', 'clip']) };
  },
};
