/**
 * Part (b) of the scale benchmark: a streaming reduce of synthetic index parts. `partsWrite`
 * writes parts of the real index schema (the project's Parquet writer) with a manifest each, as
 * workers commit them; `partsRead` is the reduce: totals summed from the manifests, then every
 * part read back one at a time and tallied again (memory: one part), DuckDB over the folder, and
 * the time to append a 10-source part to the totals of this dataset and of one of 1,000 clips.
 */
import { copyFileSync, mkdirSync, opendirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import path from 'node:path';
import { writeIndexFile } from '../../src/pack/index-parquet.js';
import type { ClipRow } from '../../src/pack/rows.js';
import { SignatureSource, encode, indexRow, sourceId, words } from './synthetic.js';
import { checkpoints, count, memory, seconds } from './memory.js';

export interface PartsOptions {
  dir: string;
  clips: number;
  clipsPerSource: number;
  partRows: number;
  /** Parts made by the index writer; the others are copies of them. */
  distinctParts: number;
}

/** Additive per-part tallies, as a part manifest carries them. */
interface Tally {
  clips: number;
  kept: number;
  dropped_by_reason: Record<string, number>;
  kept_hours: number;
  kept_bytes: number;
  categories: Record<string, number>;
}

/** The columns the tallies read. */
const TALLY_COLUMNS = ['status', 'reason', 'duration', 'bytes', 'category'];

const emptyTally = (): Tally => ({ clips: 0, kept: 0, dropped_by_reason: {}, kept_hours: 0, kept_bytes: 0, categories: {} });

function tallyRow(t: Tally, row: ClipRow): void {
  t.clips++;
  if (row.status === 'kept') {
    t.kept++;
    t.kept_hours += row.duration / 3600;
    t.kept_bytes += Number(row.bytes ?? 0);
    const c = row.category ?? 'uncategorised';
    t.categories[c] = (t.categories[c] ?? 0) + 1;
  } else {
    const reason = (row.reason ?? 'unspecified').split(':')[0];
    t.dropped_by_reason[reason] = (t.dropped_by_reason[reason] ?? 0) + 1;
  }
}

function addTally(into: Tally, t: Tally): void {
  into.clips += t.clips;
  into.kept += t.kept;
  into.kept_hours += t.kept_hours;
  into.kept_bytes += t.kept_bytes;
  for (const [k, v] of Object.entries(t.dropped_by_reason)) into.dropped_by_reason[k] = (into.dropped_by_reason[k] ?? 0) + v;
  for (const [k, v] of Object.entries(t.categories)) into.categories[k] = (into.categories[k] ?? 0) + v;
}

/** Same counts (in any key order), hours to the microsecond (sums in another order differ in the last bits). */
function sameTally(a: Tally, b: Tally): boolean {
  const canonical = (t: Tally) => JSON.stringify(Object.entries({ ...t, kept_hours: t.kept_hours.toFixed(6) }).map(([k, v]) => [k, typeof v === 'object' ? Object.entries(v).sort() : v]));
  return canonical(a) === canonical(b);
}

const partsDir = (o: PartsOptions, name = 'parts') => path.join(o.dir, name);
const partId = (n: number) => `20261201T000000-bench0000-${String(n).padStart(6, '0')}`;

/** Writes one part of `rows` clips starting at source `firstSource`: Parquet, then its manifest (the commit point). */
async function writePart(folder: string, n: number, firstSource: number, rows: number, o: PartsOptions, sigs: SignatureSource, r: () => number): Promise<number> {
  const out: ClipRow[] = [];
  const sources: string[] = [];
  let s = firstSource;
  while (out.length < rows) {
    sources.push(sourceId(s));
    for (let k = 0; k < o.clipsPerSource && out.length < rows; k++) out.push(indexRow(s, k, r, encode(sigs.random())));
    s++;
  }
  const tally = emptyTally();
  for (const row of out) tallyRow(tally, row);
  await writeIndexFile(path.join(folder, `${partId(n)}.parquet`), out);
  writeFileSync(path.join(folder, `${partId(n)}.json`), JSON.stringify({ version: 1, part: partId(n), sources, shards: [], stats: tally }));
  return s;
}

/**
 * Writes the parts: the first `distinct` with the project's index writer (timed: the workers'
 * cost), the rest as copies of those under new part ids (the reduce reads every one of them).
 */
export async function partsWrite(o: PartsOptions): Promise<void> {
  const partsTotal = Math.ceil(o.clips / o.partRows);
  const distinct = Math.min(o.distinctParts, partsTotal);
  console.log(`## Index parts: ${count(o.clips)} rows of the index schema in ${partsTotal} parts of ${count(o.partRows)} (${distinct} written by the index writer, the rest copies of them)`);
  const folder = partsDir(o);
  mkdirSync(folder, { recursive: true });
  const sigs = new SignatureSource(3, 16);
  const r = words(5);
  let t0 = performance.now();
  let source = 0;
  for (let n = 0; n < distinct; n++) source = await writePart(folder, n, source, o.partRows, o, sigs, r);
  const writer = seconds(t0);
  let m = memory();
  const bytes = statSync(path.join(folder, `${partId(0)}.parquet`)).size;
  console.log(`- index writer: ${count(distinct * o.partRows)} rows in ${writer.toFixed(0)} s (${((writer / (distinct * o.partRows)) * 1e6).toFixed(0)} us a row), ${(bytes / o.partRows).toFixed(0)} bytes a row; RSS ${m.now}, peak ${m.peak}`);
  t0 = performance.now();
  for (let n = distinct; n < partsTotal; n++) {
    const from = n % distinct;
    copyFileSync(path.join(folder, `${partId(from)}.parquet`), path.join(folder, `${partId(n)}.parquet`));
    const manifest = JSON.parse(readFileSync(path.join(folder, `${partId(from)}.json`), 'utf8')) as { part: string };
    writeFileSync(path.join(folder, `${partId(n)}.json`), JSON.stringify({ ...manifest, part: partId(n) }));
  }
  m = memory();
  console.log(`- copies: ${partsTotal - distinct} parts in ${seconds(t0).toFixed(0)} s; RSS ${m.now}, peak ${m.peak}`);
}

/** Part names in the folder, streamed (a folder of millions of parts is never listed at once). */
function* partNames(folder: string): Generator<string> {
  const d = opendirSync(folder);
  try {
    for (let e = d.readSync(); e; e = d.readSync()) if (e.name.endsWith('.json')) yield e.name.slice(0, -'.json'.length);
  } finally {
    d.closeSync();
  }
}

function manifestTotals(folder: string): { totals: Tally; parts: number } {
  const totals = emptyTally();
  let parts = 0;
  for (const name of partNames(folder)) {
    addTally(totals, (JSON.parse(readFileSync(path.join(folder, `${name}.json`), 'utf8')) as { stats: Tally }).stats);
    parts++;
  }
  return { totals, parts };
}

/** The reduce's totals step for one new part: previous totals + the part's tallies, written atomically enough for a benchmark. */
async function appendPart(folder: string, n: number, o: PartsOptions): Promise<number> {
  const t0 = performance.now();
  const totalsFile = path.join(folder, '..', `${path.basename(folder)}-stats.json`);
  await writePart(folder, n, 1_000_000_000 + n * 10, 10 * o.clipsPerSource, o, new SignatureSource(n, 16), words(n + 1));
  const totals = JSON.parse(readFileSync(totalsFile, 'utf8')) as Tally;
  addTally(totals, (JSON.parse(readFileSync(path.join(folder, `${partId(n)}.json`), 'utf8')) as { stats: Tally }).stats);
  writeFileSync(totalsFile, JSON.stringify(totals));
  return performance.now() - t0;
}

async function duckdbTotals(folder: string): Promise<string> {
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const t0 = performance.now();
    const reader = await connection.runAndReadAll(`SELECT count(*) AS n, sum(CASE WHEN status = 'kept' THEN 1 ELSE 0 END) AS kept FROM read_parquet('${folder}/*.parquet')`);
    const [n, kept] = reader.getRows()[0];
    return `DuckDB over the folder: ${n} rows, ${kept} kept, ${seconds(t0).toFixed(1)} s`;
  } catch (err) {
    return `DuckDB not run: ${(err as Error).message}`;
  }
}

export async function partsRead(o: PartsOptions): Promise<void> {
  console.log(`## Reduce of the parts: totals from the manifests, then every part read back one at a time (columns ${TALLY_COLUMNS.join(', ')})`);
  const folder = partsDir(o);
  let t0 = performance.now();
  const { totals, parts } = manifestTotals(folder);
  let m = memory();
  console.log(`- totals from ${parts} manifests: ${seconds(t0).toFixed(1)} s, ${totals.clips} clips, ${totals.kept} kept; RSS ${m.now}, peak ${m.peak}`);

  t0 = performance.now();
  const reread = emptyTally();
  const points = checkpoints(o.partRows, o.clips);
  for (const name of partNames(folder)) {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(folder, `${name}.parquet`)), columns: TALLY_COLUMNS });
    for (const row of rows) tallyRow(reread, row as unknown as ClipRow);
    if (reread.clips >= points[0]) {
      while (reread.clips >= points[0]) points.shift();
      m = memory();
      console.log(`- ${count(reread.clips)} rows read back: ${seconds(t0).toFixed(0)} s, RSS ${m.now}, peak ${m.peak}`);
    }
  }
  console.log(`- rows read back tally the same as the manifests: ${sameTally(reread, totals)}`);

  // Appends: this dataset, and one of 1,000 clips.
  writeFileSync(path.join(o.dir, 'parts-stats.json'), JSON.stringify(totals));
  const small = partsDir(o, 'parts-small');
  mkdirSync(small, { recursive: true });
  await writePart(small, 0, 0, 1000, o, new SignatureSource(9, 16), words(9));
  writeFileSync(path.join(o.dir, 'parts-small-stats.json'), JSON.stringify(manifestTotals(small).totals));
  const times = async (f: string, first: number) => {
    const ms: number[] = [];
    for (let i = 0; i < 3; i++) ms.push(await appendPart(f, first + i, o));
    return ms.map((x) => x.toFixed(0)).join('/');
  };
  console.log(`- append of a 10-source part (part + manifest + totals): ${times.length && (await times(small, 1))} ms to 1,000 clips, ${await times(folder, parts)} ms to ${count(totals.clips)} clips`);
  console.log(`- ${await duckdbTotals(folder)}`);
  m = memory();
  console.log(`- peak RSS of the reduce ${m.peak} (DuckDB included)`);
}
