// `node --import ./trace-imports.mjs ...`: appends every package module the program loads to the
// file named by CLIPMILL_TRACE_IMPORTS, one URL a line (used to check what `--help` loads).
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes('/node_modules/')) appendFileSync(file, r.url + '\\n');
  return r;
}`;
register('data:text/javascript,' + encodeURIComponent(hooks), { data: { file: process.env.CLIPMILL_TRACE_IMPORTS } });
