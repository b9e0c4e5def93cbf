/** WebVid: CSV `videoid,name,page_idx,page_dir,duration,contentUrl`; `name` is the caption. */
import type { Preset } from './preset.js';
import { otherFields, textField } from './preset.js';

export const webvid: Preset = {
  name: 'webvid',
  columns: ['videoid', 'name', 'page_idx', 'page_dir', 'duration', 'contentUrl'],
  toDraft(fields) {
    return {
      uri: textField(fields, 'contentUrl'),
      metadata: { ...otherFields(fields, ['contentUrl']), caption: fields.name },
    };
  },
};
