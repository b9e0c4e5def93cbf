/** Parses one JSON text that must be an object: a row, or a row error naming where it was. */
import type { RowError } from '../../types.js';
import type { ManifestRow } from '../rows.js';

export function objectOrError(text: string, input: string, line: number): ManifestRow | RowError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { input, line, message: `invalid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { input, line, message: 'expected a JSON object' };
  }
  return { line, fields: value as Record<string, unknown> };
}
