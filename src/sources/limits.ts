/**
 * Size limits on manifest input: a manifest written by someone else may hold one line of a
 * gigabyte or a row nested a million levels deep. Each limit makes that row a bad row (reported,
 * skipped), never a crash of the run or of the record writer downstream.
 */

/** Longest line of a text manifest, CSV record or JSON array element, in bytes. */
export const MAX_ROW_BYTES = 1024 * 1024;
/** Deepest nesting of objects and arrays in a row's metadata. */
export const MAX_METADATA_DEPTH = 32;
/** Largest metadata of one source, as JSON: it is copied into its record and every clip's index row. */
export const MAX_METADATA_BYTES = 256 * 1024;

/** Why a row's fields cannot be kept, or undefined when they are within the limits. */
export function fieldsProblem(fields: Record<string, unknown>): string | undefined {
  // Iterative, so a very deep value cannot overflow the stack here.
  const stack: { value: unknown; depth: number }[] = [{ value: fields, depth: 1 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_METADATA_DEPTH) return `the row is nested deeper than ${MAX_METADATA_DEPTH} levels`;
    for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1 });
  }
  const bytes = Buffer.byteLength(JSON.stringify(fields) ?? '');
  if (bytes > MAX_METADATA_BYTES) return `the row's fields are ${bytes} bytes of JSON, more than the ${MAX_METADATA_BYTES}-byte limit`;
  return undefined;
}

export const rowTooLong = (what: string): string => `${what} is longer than ${MAX_ROW_BYTES} bytes; skipped`;
