/**
 * Part (a) of the scale benchmark: synthetic clips through the persistent SignatureIndex. Bulk adds
 * of `batch` clips; at each checkpoint, an append of 10 sources (half of their clips near-copies
 * of indexed clips, half new) is looked up and added, timed, with the copies found. The same
 * append to an index of 1,000 clips is timed beside it.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { SignatureIndex } from '../../src/pack/signature-index.js';
import type { DedupRow } from '../../src/pack/dedup.js';
import { Reservoir, SignatureSource, dedupRow, words } from './synthetic.js';
import { checkpoints, count, memory, seconds } from './memory.js';

export interface IndexScaleOptions {
  dir: string;
  clips: number;
  clipsPerSource: number;
  samples: number;
  batch: number;
  /** Share of bulk clips that are near-copies of earlier ones. */
  copyShare: number;
  /** Print figures every this many clips beyond 10 M too (0: only at 1, 2, 5 x 10^k). */
  every: number;
  /** Go on adding to the index a killed run left (its half-written run is dropped on open). */
  resume: boolean;
}

const APPEND_SOURCES = 10;
const APPEND_REPEATS = 3;
const FLIPS = [0, 2, 4, 6, 8];

class ClipFactory {
  private readonly sigs: SignatureSource;
  private readonly reservoir: Reservoir;
  private readonly rand = words(99);
  source = 0;

  constructor(
    private readonly o: IndexScaleOptions,
    seed: number,
  ) {
    this.sigs = new SignatureSource(seed, o.samples);
    this.reservoir = new Reservoir(100_000, words(seed + 1));
  }

  /** n clips of whole sources: originals, and a share of copies of earlier originals. */
  bulk(n: number): DedupRow[] {
    const rows: DedupRow[] = [];
    while (rows.length < n) {
      const s = this.source++;
      for (let k = 0; k < this.o.clipsPerSource && rows.length < n; k++) {
        const isCopy = this.source > 10 && this.rand() / 2 ** 32 < this.o.copyShare;
        if (isCopy) {
          rows.push(dedupRow(s, k, this.sigs.copy(this.reservoir.pick().hashes, FLIPS[this.rand() % FLIPS.length], this.rand() % 2 === 0), true));
        } else {
          const h = this.sigs.random();
          const row = dedupRow(s, k, h);
          this.reservoir.offer(row.clipId, h);
          rows.push(row);
        }
      }
    }
    return rows;
  }

  /** An append of whole sources: odd clips copy an indexed original (expected match), even ones are new. */
  append(sources: number): { rows: DedupRow[]; expected: Map<string, string> } {
    const rows: DedupRow[] = [];
    const expected = new Map<string, string>();
    for (let i = 0; i < sources; i++) {
      const s = this.source++;
      for (let k = 0; k < this.o.clipsPerSource; k++) {
        if (k % 2 === 1) {
          const of = this.reservoir.pick();
          const row = dedupRow(s, k, this.sigs.copy(of.hashes, FLIPS[this.rand() % FLIPS.length], this.rand() % 2 === 0), true);
          expected.set(row.clipId, of.clipId);
          rows.push(row);
        } else rows.push(dedupRow(s, k, this.sigs.random()));
      }
    }
    return { rows, expected };
  }
}

interface AppendResult {
  ms: number;
  /** CPU time (user + system): steadier than wall time on a shared machine. */
  cpuMs: number;
  lookupMs: number;
  found: number;
  expected: number;
  wrong: number;
}

async function timedAppend(index: SignatureIndex, factory: ClipFactory, name: string): Promise<AppendResult> {
  const { rows, expected } = factory.append(APPEND_SOURCES);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const dup = await index.findDuplicates(rows);
  const lookupMs = performance.now() - t0;
  await index.add(name, rows.filter((r) => !dup.has(r.clipId)));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  let found = 0;
  let wrong = 0;
  for (const [clip, kept] of dup) {
    if (expected.get(clip) === kept) found++;
    else wrong++;
  }
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, found, expected: expected.size, wrong, lookupMs };
}

async function appends(index: SignatureIndex, factory: ClipFactory, tag: string): Promise<string> {
  const results: AppendResult[] = [];
  for (let i = 0; i < APPEND_REPEATS; i++) results.push(await timedAppend(index, factory, `append-${tag}-${i}`));
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const sum = (f: (r: AppendResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const cpu = results.map((r) => r.cpuMs).sort((a, b) => a - b);
  return `append of ${APPEND_SOURCES} sources: median ${ms[1].toFixed(0)} ms wall, ${cpu[1].toFixed(0)} ms CPU (wall ${ms.map((m) => m.toFixed(0)).join('/')} ms, of which lookup ${results.map((r) => r.lookupMs.toFixed(0)).join('/')} ms; CPU ${cpu.map((m) => m.toFixed(0)).join('/')} ms), copies found ${sum((r) => r.found)}/${sum((r) => r.expected)}, wrong ${sum((r) => r.wrong)}`;
}

const du = (dir: string) => execFileSync('du', ['-sh', dir], { encoding: 'utf8' }).split('\t')[0];

export async function indexScale(o: IndexScaleOptions): Promise<void> {
  console.log(`## SignatureIndex: ${count(o.clips)} clips (${o.clipsPerSource} per source, ${o.samples} hashes each, ${(o.copyShare * 100).toFixed(0)}% near-copies), adds of ${count(o.batch)}`);
  rmSync(path.join(o.dir, 'small'), { recursive: true, force: true });
  const small = await SignatureIndex.open(path.join(o.dir, 'small'));
  const smallFactory = new ClipFactory(o, 1000);
  await small.add('bulk', smallFactory.bulk(1000));
  console.log(`- index of 1,000 clips: ${await appends(small, smallFactory, 'small')}`);
  await small.close();

  const t0 = performance.now();
  const index = await SignatureIndex.open(path.join(o.dir, 'index'));
  const factory = new ClipFactory(o, 1);
  let added = index.size;
  if (o.resume) {
    // Fresh source numbers (above any used before); copies are then made of clips added from here on.
    factory.source = added;
    console.log(`- resumed: opened the index a killed run left, ${count(added)} clips in ${index.runCount} runs, in ${seconds(t0).toFixed(1)} s`);
  }
  let addSeconds = 0;
  let genSeconds = 0;
  for (const point of checkpoints(o.batch, o.clips, o.every).filter((p) => p > added)) {
    while (added < point) {
      const t0 = performance.now();
      const rows = factory.bulk(Math.min(o.batch, point - added));
      genSeconds += seconds(t0);
      const t1 = performance.now();
      await index.add(`bulk-${added}`, rows);
      addSeconds += seconds(t1);
      added += rows.length;
    }
    const m = memory();
    console.log(`- ${count(added)} clips (${count(factory.source)} sources): bulk adds ${addSeconds.toFixed(0)} s so far (${(added / addSeconds / 1000).toFixed(0)} k clips/s; making the rows ${genSeconds.toFixed(0)} s), ${index.runCount} runs, ${du(path.join(o.dir, 'index'))} on disk, RSS ${m.now}, peak ${m.peak}`);
    console.log(`  - ${await appends(index, factory, String(added))}`);
  }
  await index.close();
}
