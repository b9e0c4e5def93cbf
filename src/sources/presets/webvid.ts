/**
 * WebVid: CSV `videoid,name,page_idx,page_dir,duration,contentUrl`; `name` is the caption.
 * WebVid pairs one caption with a whole (short, stock-footage) video, so when the row states its
 * duration the video becomes one span carrying that caption, rather than shots the caption may not
 * describe. Durations are published rounded to whole seconds (`PT00H00M21S`), so the span reaches
 * one second past the stated end; a span ending after the video stops at its last frame.
 */
import type { Preset } from './preset.js';
import { otherFields, textField } from './preset.js';
import { parseTimestamp } from './timestamps.js';

const ISO_DURATION = /^P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)$/;

/** Seconds from an ISO 8601 duration (`PT1M5S`) or a plain number of seconds; undefined when absent. */
function parseWebvidDuration(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const m = typeof value === 'string' ? ISO_DURATION.exec(value.trim()) : null;
  const seconds = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : parseTimestamp(value);
  if (!(seconds > 0)) throw new Error(`invalid duration ${JSON.stringify(value)}`);
  return seconds;
}

export const webvid: Preset = {
  name: 'webvid',
  columns: ['videoid', 'name', 'page_idx', 'page_dir', 'duration', 'contentUrl'],
  toDraft(fields) {
    const caption = typeof fields.name === 'string' && fields.name.trim() !== '' ? fields.name.trim() : undefined;
    const duration = parseWebvidDuration(fields.duration);
    const draft = {
      uri: textField(fields, 'contentUrl'),
      metadata: { ...otherFields(fields, ['contentUrl']), caption: fields.name },
    };
    if (caption === undefined || duration === undefined) return draft;
    return { ...draft, spans: [{ start: 0, end: duration + 1, caption, datasetClipId: String(fields.videoid ?? '') || undefined }] };
  },
};
