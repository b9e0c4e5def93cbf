/**
 * Record store benchmark: N synthetic source records (tiny, valid version 1 records with hashed
 * ids) written once in the flat layout of earlier versions (`sources/<id>.json`) and once sharded
 * (`sources/<id[0:2]>/<id>.json`); then, each in its own process so that peak RSS is its own:
 *  - list:   every record file's name, in record order (RecordStore.files)
 *  - resume: "is this source finished?" for every source, in input order (RecordStore.isFinished)
 *  - resume-previous: the previous version's resume (a Set of all names, then each record read)
 *  - read:   every record read and parsed (readSourceRecords, what pack and status do)
 * Prints wall time and peak RSS per operation; the page cache is warm (files just written).
 * Run: node --import tsx bench/records/run.ts [--counts 100000,1000000] [--dir /work/cache/records-bench] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSourceRecords } from '../../src/pack/records.js';
import { needsRedo, recordRelPath, RecordStore, flatRecordRelPath } from '../../src/store/record-store.js';
import type { SourceRecord } from '../../src/types.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

const idOf = (i: number): string => createHash('sha256').update(`https://example.test/v/${i}.mp4`).digest('hex').slice(0, 16);

function record(i: number): SourceRecord {
  const id = idOf(i);
  return {
    version: 1, id, uri: `https://example.test/v/${i}.mp4`, kind: 'http', status: i % 50 === 0 ? 'failed' : 'done',
    origin: { input: 'list.txt', line: i + 1 }, metadata: {}, clips: [], timings: { total: 1 },
    startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:01.000Z',
    ...(i % 50 === 0 ? { error: { code: 'http_not_found', message: 'gone', transient: false } } : {}),
  } as SourceRecord;
}

/** Writes N records in one layout, 256 at a time; skipped when a finished earlier write is there. */
async function writeRecords(dir: string, count: number, layout: 'flat' | 'sharded'): Promise<void> {
  const done = path.join(dir, '.complete');
  if (await stat(done).then(() => true, () => false)) return;
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'sources'), { recursive: true });
  const relOf = layout === 'flat' ? flatRecordRelPath : recordRelPath;
  const made = new Set<string>();
  for (let i = 0; i < count; i += 256) {
    const batch = Array.from({ length: Math.min(256, count - i) }, (_, j) => record(i + j));
    await Promise.all(
      batch.map(async (r) => {
        const file = path.join(dir, relOf(r.id));
        const folder = path.dirname(file);
        if (!made.has(folder)) {
          made.add(folder);
          await mkdir(folder, { recursive: true });
        }
        await writeFile(file, JSON.stringify(r));
      }),
    );
  }
  await writeFile(done, '');
}

type Operation = 'list' | 'resume' | 'resume-previous' | 'read';

/** One operation over one folder, in this process: returns how many records it saw. */
async function measure(op: Operation, dir: string, count: number): Promise<number> {
  const store = new RecordStore(dir);
  let n = 0;
  if (op === 'list') {
    for await (const entry of store.files()) if (entry.kind === 'record') n++;
  } else if (op === 'resume') {
    for (let i = 0; i < count; i++) if (await store.isFinished(idOf(i))) n++;
  } else if (op === 'resume-previous') {
    const names = new Set((await readdir(path.join(dir, 'sources'))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)));
    for (let i = 0; i < count; i++) {
      const id = idOf(i);
      if (!names.has(id)) continue;
      const r = JSON.parse(await readFile(path.join(dir, 'sources', `${id}.json`), 'utf8')) as SourceRecord;
      if (!needsRedo(r)) n++;
    }
  } else {
    for await (const _ of readSourceRecords(dir)) n++;
  }
  return n;
}

interface Result {
  count: number;
  layout: string;
  op: Operation;
  seconds: number;
  peakRssMb: number;
  seen: number;
}

function runChild(op: Operation, dir: string, count: number): { seconds: number; peakRssMb: number; seen: number } {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--measure', op, dir, String(count)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${op} on ${dir} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { seconds: number; peakRssMb: number; seen: number };
}

async function main(): Promise<void> {
  if (args[0] === '--measure') {
    const [, op, dir, count] = args as [string, Operation, string, string];
    const t0 = performance.now();
    const seen = await measure(op, dir, Number(count));
    const seconds = (performance.now() - t0) / 1000;
    // maxRSS includes Node and tsx themselves (the baseline printed last).
    process.stdout.write(JSON.stringify({ seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, seen }) + '\n');
    return;
  }
  const counts = (option('--counts') ?? '100000,1000000').split(',').map(Number);
  const root = option('--dir') ?? '/work/cache/records-bench';
  const results: Result[] = [];
  for (const count of counts) {
    for (const layout of ['flat', 'sharded'] as const) {
      const dir = path.join(root, `${layout}-${count}`);
      const t0 = performance.now();
      await writeRecords(dir, count, layout);
      console.error(`${layout} ${count}: ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const ops: Operation[] = layout === 'flat' ? ['list', 'resume', 'resume-previous', 'read'] : ['list', 'resume', 'read'];
      for (const op of ops) {
        const r = { count, layout, op, ...runChild(op, dir, count) };
        results.push(r);
        console.log(`${String(count).padStart(8)} ${layout.padEnd(8)} ${op.padEnd(16)} ${r.seconds.toFixed(2).padStart(8)} s ${r.peakRssMb.toFixed(0).padStart(6)} MB peak RSS  (${r.seen} records)`);
      }
      if (!args.includes('--keep')) await rm(dir, { recursive: true, force: true });
    }
  }
  const empty = runChild('list', path.join(root, 'none'), 0);
  console.log(`baseline: a process that lists an empty store peaks at ${empty.peakRssMb.toFixed(0)} MB RSS`);
}

await main();
