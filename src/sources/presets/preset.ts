/** The shape of a dataset preset: how one row of a published manifest becomes a source. */
import type { PresetSpan } from '../../types.js';

/** A source before it has a canonical URI and id. */
export interface SourceDraft {
  /** URL or path as written in the manifest. */
  uri: string;
  metadata: Record<string, unknown>;
  spans?: PresetSpan[];
  /** The URL is a web page (yt-dlp) unless its path has a video extension. */
  webPage?: boolean;
}

export interface Preset {
  name: string;
  /** Columns of the published layout that every manifest of this dataset has. */
  columns: string[];
  /** Maps one row; throws an Error whose message says what is wrong with the row. */
  toDraft(fields: Record<string, unknown>): SourceDraft;
}

export function youtubeWatchUrl(id: unknown): string {
  const text = typeof id === 'string' ? id.trim() : '';
  if (!/^[A-Za-z0-9_-]{6,20}$/.test(text)) throw new Error(`invalid YouTube id ${JSON.stringify(id)}`);
  return `https://www.youtube.com/watch?v=${text}`;
}

/** A required text field of a row. */
export function textField(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`missing ${name}`);
  return value.trim();
}

/** The row's fields without the named ones. */
export function otherFields(fields: Record<string, unknown>, omit: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !omit.includes(k)));
}
