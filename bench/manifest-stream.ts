/**
 * Manifest streaming benchmark: writes a generated manifest into a named pipe while
 * readInputs() consumes it, and reports throughput and memory. The writer stops after the first
 * `gate` rows until the first source has come out, so `firstSourceAfterRows` shows that work
 * starts before the manifest is fully read (a reader that needed the whole file would hang).
 *
 *   node --expose-gc --import tsx bench/manifest-stream.ts [--rows 1000000] [--format csv|jsonl|json] [--gate 1000]
 *
 * Prints one JSON object. Memory is V8 heap plus array buffers, measured after a forced GC
 * every tenth of the rows; `peakGrowthBytes` is the largest growth over the start
 * (`peakRssGrowthBytes` the same for the resident set size, which includes code and allocator slack).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isRowError, readInputs } from '../src/sources/index.js';

interface Layout {
  head: string;
  row: (i: number) => string;
  /** The JSON array's tail closes the array with one more row. */
  tail: string;
  tailRows: number;
}

const LAYOUTS: Record<string, Layout> = {
  csv: { head: 'url,title,license\n', row: (i) => `https://cdn.example.com/v/${i}.mp4,title ${i},CC-BY-4.0\n`, tail: '', tailRows: 0 },
  jsonl: { head: '', row: (i) => `{"url":"https://cdn.example.com/j/${i}.mp4","n":${i}}\n`, tail: '', tailRows: 0 },
  json: { head: '[\n', row: (i) => `{"url":"https://cdn.example.com/a/${i}.mp4","n":${i}},\n`, tail: '{"url":"https://cdn.example.com/last.mp4"}]\n', tailRows: 1 },
};

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, format: { type: 'string', default: 'csv' }, gate: { type: 'string', default: '1000' } },
});
const rows = Number(values.rows);
const gateAfter = Math.min(Number(values.gate), rows);
const layout = LAYOUTS[values.format];
if (!layout) throw new Error(`unknown --format ${values.format}`);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const memory = () => {
  gc();
  const m = process.memoryUsage();
  return { js: m.heapUsed + m.arrayBuffers, rss: m.rss };
};

const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-bench-'));
const fifo = path.join(dir, `manifest.${values.format}`);
execFileSync('mkfifo', [fifo]);

let written = 0;
let openGate!: () => void;
const gate = new Promise<void>((resolve) => (openGate = resolve));
const out = createWriteStream(fifo);
const writeRows = async (from: number, to: number) => {
  for (let i = from; i < to; i += 10_000) {
    let text = '';
    const end = Math.min(i + 10_000, to);
    for (let j = i; j < end; j++) text += layout.row(j);
    written = end;
    if (!out.write(text)) await once(out, 'drain');
  }
};
const writer = (async () => {
  out.write(layout.head);
  await writeRows(0, gateAfter);
  await gate;
  await writeRows(gateAfter, rows);
  out.end(layout.tail);
  await once(out, 'finish');
})();

const base = memory();
const started = performance.now();
let sources = 0;
let errors = 0;
let firstSourceAfterRows = -1;
let peakGrowthBytes = 0;
let peakRssGrowthBytes = 0;
const sampleEvery = Math.max(1, Math.floor(rows / 10));
for await (const item of readInputs([fifo])) {
  if (isRowError(item)) {
    errors++;
    continue;
  }
  if (sources === 0) {
    firstSourceAfterRows = written;
    openGate();
  }
  sources++;
  if (sources % sampleEvery === 0) {
    const now = memory();
    peakGrowthBytes = Math.max(peakGrowthBytes, now.js - base.js);
    peakRssGrowthBytes = Math.max(peakRssGrowthBytes, now.rss - base.rss);
  }
}
const seconds = (performance.now() - started) / 1000;
await writer;
await rm(dir, { recursive: true, force: true });
console.log(JSON.stringify({
  format: values.format,
  rows: rows + layout.tailRows,
  sources,
  errors,
  gateAfterRows: gateAfter,
  firstSourceAfterRows,
  peakGrowthBytes,
  peakRssGrowthBytes,
  seconds: Number(seconds.toFixed(2)),
  rowsPerSecond: Math.round((rows + layout.tailRows) / seconds),
}));
