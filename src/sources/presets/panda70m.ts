/**
 * Panda-70M: CSV `videoID,url,timestamp,caption,matching_score`; the last three cells are
 * Python-literal lists with one entry per clip (parsed, never evaluated).
 */
import type { Preset } from './preset.js';
import { otherFields, textField } from './preset.js';
import { parsePythonLiteral, type PyValue } from './python-literal.js';
import { spanOf } from './timestamps.js';

function listCell(fields: Record<string, unknown>, name: string): PyValue[] {
  const cell = fields[name];
  let value: unknown = cell;
  if (typeof cell === 'string') {
    try {
      value = parsePythonLiteral(cell);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(value)) throw new Error(`${name} must be a list`);
  return value;
}

export const panda70m: Preset = {
  name: 'panda70m',
  columns: ['videoID', 'url', 'timestamp', 'caption', 'matching_score'],
  toDraft(fields) {
    const stamps = listCell(fields, 'timestamp');
    const captions = listCell(fields, 'caption');
    const scores = listCell(fields, 'matching_score');
    if (captions.length !== stamps.length || scores.length !== stamps.length) {
      throw new Error(`timestamp, caption and matching_score differ in length (${stamps.length}, ${captions.length}, ${scores.length})`);
    }
    const spans = stamps.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`timestamp ${i + 1} must be [start, end]`);
      const caption = captions[i];
      return spanOf(pair[0], pair[1], {
        ...(typeof caption === 'string' ? { caption } : {}),
        metadata: { matching_score: scores[i] },
      });
    });
    return {
      uri: textField(fields, 'url'),
      webPage: true,
      spans,
      metadata: otherFields(fields, ['url', 'timestamp', 'caption', 'matching_score']),
    };
  },
};
