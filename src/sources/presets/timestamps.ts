/** Time stamps as datasets publish them: seconds, or [[H:]MM:]SS[.fff]. */
import type { PresetSpan } from '../../types.js';

const CLOCK = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$/;

export function parseTimestamp(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
    const m = CLOCK.exec(text);
    if (m) return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]!.replace(',', '.'));
  }
  throw new Error(`invalid time stamp ${JSON.stringify(value)}`);
}

/** A span from two time stamps; the end must come after the start. */
export function spanOf(start: unknown, end: unknown, extra: Omit<PresetSpan, 'start' | 'end'> = {}): PresetSpan {
  const span = { start: parseTimestamp(start), end: parseTimestamp(end), ...extra };
  if (!(span.end > span.start)) throw new Error(`span ends (${span.end}s) before it starts (${span.start}s)`);
  return span;
}
