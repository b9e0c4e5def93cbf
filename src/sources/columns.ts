/** Finding the manifest columns that hold the video URL and the licence. */
import { FatalError } from '../errors.js';

/** Tried in this order, case-insensitively, when `--url-column` is not given. */
export const URL_COLUMNS = ['url', 'path', 'video', 'contentUrl', 'video_url', 'file'];
/** Licence columns, tried in this order (any case) by ingest and by admission alike. */
export const LICENSE_COLUMNS = ['license', 'licence', 'license_url', 'licenseurl', 'license_name', 'rights'];
/** The metadata field ingest copies the licence column's value into, whatever that column's name. */
export const LICENSE_RAW = 'license_raw';

/** The first column of `keys` matching a candidate (exact spelling first, then any case). */
export function findColumn(keys: string[], candidates: string[]): string | undefined {
  for (const wanted of candidates) {
    if (keys.includes(wanted)) return wanted;
    const lower = wanted.toLowerCase();
    const match = keys.find((k) => k.toLowerCase() === lower);
    if (match !== undefined) return match;
  }
  return undefined;
}

function listColumns(keys: string[]): string {
  return keys.length ? keys.map((k) => JSON.stringify(k)).join(', ') : '(none)';
}

/** The column named by the user, or found among URL_COLUMNS; a FatalError when there is none. */
export function urlColumnOf(file: string, keys: string[], named?: string): string {
  const column = findColumn(keys, named ? [named] : URL_COLUMNS);
  if (column !== undefined) return column;
  if (named) throw new FatalError(`${file}: no column "${named}" (given by --url-column); columns found: ${listColumns(keys)}`);
  throw new FatalError(
    `${file}: no URL column found (looked for ${URL_COLUMNS.join(', ')}); columns found: ${listColumns(keys)}. ` +
      'Name the column holding the video URL or path with --url-column.',
  );
}

/** The licence column, if any; naming one that is absent is a FatalError. */
export function licenseColumnOf(file: string, keys: string[], named?: string): string | undefined {
  const column = findColumn(keys, named ? [named] : LICENSE_COLUMNS);
  if (column === undefined && named) throw new FatalError(`${file}: no licence column "${named}"; columns found: ${listColumns(keys)}`);
  return column;
}

/** A FatalError when a preset's published columns are missing from the manifest. */
export function requireColumns(file: string, keys: string[], required: string[], what: string): void {
  const missing = required.filter((c) => !keys.includes(c));
  if (missing.length) {
    throw new FatalError(`${file}: ${what} expects columns ${required.join(', ')}; missing ${missing.join(', ')}; columns found: ${listColumns(keys)}`);
  }
}
