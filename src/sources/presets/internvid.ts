/**
 * InternVid: rows `YoutubeID,Start_timestamp,End_timestamp,Caption,...` (scores follow), one
 * clip per row. Consecutive rows of one video are merged into one source by the manifest reader.
 */
import type { Preset } from './preset.js';
import { otherFields, textField, youtubeWatchUrl } from './preset.js';
import { spanOf } from './timestamps.js';

const CLIP_COLUMNS = ['YoutubeID', 'Start_timestamp', 'End_timestamp', 'Caption'];

export const internvid: Preset = {
  name: 'internvid',
  columns: CLIP_COLUMNS,
  toDraft(fields) {
    const id = textField(fields, 'YoutubeID');
    const caption = fields.Caption;
    const span = spanOf(fields.Start_timestamp, fields.End_timestamp, {
      ...(typeof caption === 'string' ? { caption } : {}),
      metadata: otherFields(fields, CLIP_COLUMNS),
    });
    return { uri: youtubeWatchUrl(id), spans: [span], metadata: { youtube_id: id } };
  },
};
