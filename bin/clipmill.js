#!/usr/bin/env node
// The clipmill command: the compiled JavaScript in dist/ (`npm run build`; `npm run setup` builds it
// when it is missing or older than src/), so no TypeScript compiler runs at start.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('clipmill: not built yet; run `npm run build` (or `npm run setup`) in the clipmill folder first\n');
  process.exit(2);
}
await import(main.href);
