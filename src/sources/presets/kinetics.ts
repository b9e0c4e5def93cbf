/** Kinetics (400/600/700): CSV `label,youtube_id,time_start,time_end,split`, one clip per row. */
import type { Preset } from './preset.js';
import { otherFields, textField, youtubeWatchUrl } from './preset.js';
import { spanOf } from './timestamps.js';

export const kinetics: Preset = {
  name: 'kinetics',
  columns: ['label', 'youtube_id', 'time_start', 'time_end', 'split'],
  toDraft(fields) {
    const id = textField(fields, 'youtube_id');
    const rest = otherFields(fields, ['time_start', 'time_end']);
    // The label is per clip (kept on the span) and, for the usual one-clip video, on the source.
    const span = spanOf(fields.time_start, fields.time_end, { metadata: { label: fields.label, split: fields.split } });
    return { uri: youtubeWatchUrl(id), spans: [span], metadata: rest };
  },
};
