/**
 * Record store benchmark: N synthetic source records (tiny, valid version 1 records with hashed
 * ids) written once in the flat layout of earlier versions (`sources/<id>.json`) and once sharded
 * (`sources/<id[0:2]>/<id>.json`); then, each in its own process so that peak RSS is its own:
 *  - list:   every record file's name, in record order (RecordStore.files)
 *  - resume: a rerun's pendingSources over a URL list of all N sources (all finished, all skipped)
 *  - resume-previous: the same with the previous version's lookup (a Set of all names, then each record read)
 *  - read:   every record read and parsed (readSourceRecords, what pack and status do)
 * Prints wall time and peak RSS per operation; the page cache is warm (files just written).
 * Run: node --import tsx bench/records/run.ts [--counts 100000,1000000] [--dir /work/cache/records-bench] [--layouts flat,sharded] [--ops list,resume,...] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunConfig } from '../../src/config/schema.js';
import { pendingSources, readRunInputs } from '../../src/executors/pending.js';
import { readSourceRecords } from '../../src/pack/records.js';
import { canonicalUri, isRowError, sourceId } from '../../src/sources/index.js';
import { OutputDir } from '../../src/store/output.js';
import { flatRecordRelPath, needsRedo, recordRelPath, RecordStore } from '../../src/store/record-store.js';
import type { SourceRecord } from '../../src/types.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

const uriOf = (i: number): string => `https://example.test/v/${i}.mp4`;
/** The run's input: a URL list naming every source, in an order unrelated to their ids. */
const inputList = (dir: string): string => path.join(dir, 'list.txt');

function record(i: number): SourceRecord {
  const uri = canonicalUri(uriOf(i));
  return {
    version: 1, id: sourceId(uri), uri, kind: 'http', status: i % 50 === 0 ? 'failed' : 'done',
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
  const folders = new Map<string, Promise<unknown>>();
  for (let i = 0; i < count; i += 256) {
    const batch = Array.from({ length: Math.min(256, count - i) }, (_, j) => record(i + j));
    await Promise.all(
      batch.map(async (r) => {
        const file = path.join(dir, relOf(r.id));
        const folder = path.dirname(file);
        if (!folders.has(folder)) folders.set(folder, mkdir(folder, { recursive: true }));
        await folders.get(folder);
        await writeFile(file, JSON.stringify(r));
      }),
    );
  }
  await writeFile(inputList(dir), Array.from({ length: count }, (_, i) => uriOf(i)).join('\n') + '\n');
  await writeFile(done, '');
}

type Operation = 'list' | 'resume' | 'resume-previous' | 'read';

/** One operation over one folder, in this process: returns how many finished records it saw. */
async function measure(op: Operation, dir: string): Promise<number> {
  const store = new RecordStore(dir);
  let n = 0;
  if (op === 'list') {
    for await (const entry of store.files()) if (entry.kind === 'record') n++;
  } else if (op === 'resume') {
    const tally = { seen: 0, skipped: 0, badRows: 0 };
    for await (const _ of pendingSources(new OutputDir(dir), [inputList(dir)], RunConfig.parse({}), undefined, tally)) n--;
    n += tally.skipped;
  } else if (op === 'resume-previous') {
    // What pendingSources did before the store was sharded: every name, then each finished record read.
    const names = new Set((await readdir(path.join(dir, 'sources'))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)));
    for await (const item of readRunInputs([inputList(dir)], RunConfig.parse({}))) {
      if (isRowError(item) || !names.has(item.id)) continue;
      const r = JSON.parse(await readFile(path.join(dir, 'sources', `${item.id}.json`), 'utf8')) as SourceRecord;
      if (!needsRedo(r)) n++;
    }
  } else {
    for await (const _ of readSourceRecords(dir)) n++;
  }
  return n;
}


interface Measured {
  seconds: number;
  peakRssMb: number;
  growthMb: number;
  seen: number;
}

function runChild(op: Operation, dir: string): Measured {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--measure', op, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${op} on ${dir} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Measured;
}

async function main(): Promise<void> {
  if (args[0] === '--measure') {
    const [, op, dir] = args as [string, Operation, string];
    const startRss = process.memoryUsage().rss;
    const t0 = performance.now();
    const seen = await measure(op, dir);
    const seconds = (performance.now() - t0) / 1000;
    // Peak RSS of the whole process (Node and tsx included), and how far it rose above the RSS the
    // operation started at: the operation's own memory.
    const peak = process.resourceUsage().maxRSS * 1024;
    process.stdout.write(JSON.stringify({ seconds, peakRssMb: peak / 2 ** 20, growthMb: Math.max(0, peak - startRss) / 2 ** 20, seen }) + '\n');
    return;
  }
  const counts = (option('--counts') ?? '100000,1000000').split(',').map(Number);
  const root = option('--dir') ?? '/work/cache/records-bench';
  const only = option('--ops')?.split(',');
  const layouts = (option('--layouts') ?? 'flat,sharded').split(',') as ('flat' | 'sharded')[];
  for (const count of counts) {
    for (const layout of layouts) {
      const dir = path.join(root, `${layout}-${count}`);
      const t0 = performance.now();
      await writeRecords(dir, count, layout);
      console.error(`${layout} ${count}: ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const ops: Operation[] = layout === 'flat' ? ['list', 'resume', 'resume-previous', 'read'] : ['list', 'resume', 'read'];
      for (const op of ops.filter((o) => !only || only.includes(o))) {
        const r = runChild(op, dir);
        console.log(
          `${String(count).padStart(8)} ${layout.padEnd(8)} ${op.padEnd(16)} ${r.seconds.toFixed(2).padStart(8)} s ` +
            `${r.peakRssMb.toFixed(0).padStart(6)} MB peak RSS, +${r.growthMb.toFixed(0)} MB during the operation  (${r.seen} records)`,
        );
      }
      if (!args.includes('--keep')) await rm(dir, { recursive: true, force: true });
    }
  }
  const empty = runChild('list', path.join(root, 'none'));
  console.log(`baseline: a process that lists an empty store peaks at ${empty.peakRssMb.toFixed(0)} MB RSS`);
}

await main();
