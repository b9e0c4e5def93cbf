/**
 * Parses one JSON text that must be an object (a row of fields) or a string (a bare URL or
 * path): a row, or a row error naming where it was.
 */
import type { RowError } from '../../types.js';
import type { ManifestRow } from '../rows.js';

export function rowOrError(text: string, input: string, line: number): ManifestRow | RowError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { input, line, message: `invalid JSON: ${(err as Error).message}` };
  }
  if (typeof value === 'string') return { line, uri: value };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { input, line, message: 'expected a JSON object or a URL string' };
  }
  return { line, fields: value as Record<string, unknown> };
}
