/**
 * Scale benchmark without video (issue 13): synthetic sources, clips and signatures through
 *  (a) the persistent SignatureIndex: bulk adds, then timed 10-source appends at 1 M, 2 M, 5 M ... clips;
 *  (b) a streaming reduce of synthetic index parts (Parquet via the project's index writer, one
 *      manifest per part): totals summed from the manifests and the parts read back one at a time.
 * Each part runs in a child process of its own, so that its peak RSS is its own.
 *
 * Run: nice -n 10 node --import tsx bench/scale/run.ts [--sources 10000000] [--clips-per-source 5]
 *        [--samples 16] [--batch 1000000] [--every 5000000] [--part-rows 50000] [--distinct-parts 20]
 *        [--only index|parts] [--dir /work/cache/scale-bench] [--keep] [--resume: go on with the index a killed run left]
 * Quick: node --import tsx bench/scale/run.ts --sources 100000 --batch 100000 --part-rows 10000
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexScale } from './index-scale.js';
import { partsRead, partsWrite } from './reduce-scale.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const number = (name: string, fallback: number) => Number(option(name, String(fallback)));

const sources = number('--sources', 10_000_000);
const clipsPerSource = number('--clips-per-source', 5);
const clips = sources * clipsPerSource;
const dir = option('--dir', '/work/cache/scale-bench');
const step = option('--step', '');

if (step === 'index') {
  await indexScale({
    dir, clips, clipsPerSource, samples: number('--samples', 16), batch: number('--batch', 1_000_000), copyShare: 0.1,
    every: number('--every', 0), resume: args.includes('--resume'),
  });
} else if (step === 'parts-write') {
  await partsWrite({ dir, clips, clipsPerSource, partRows: number('--part-rows', 50_000), distinctParts: number('--distinct-parts', 20) });
} else if (step === 'parts-read') {
  await partsRead({ dir, clips, clipsPerSource, partRows: number('--part-rows', 50_000), distinctParts: number('--distinct-parts', 20) });
} else {
  const only = option('--only', '');
  const steps = only === 'index' ? ['index'] : only === 'parts' ? ['parts-write', 'parts-read'] : ['index', 'parts-write', 'parts-read'];
  mkdirSync(dir, { recursive: true });
  console.log(`# Scale benchmark: ${sources} sources, ${clips} clips (${new Date().toISOString()})`);
  try {
    for (const s of steps) {
      const started = performance.now();
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--step', s], { stdio: 'inherit' });
      if (child.status !== 0) throw new Error(`step ${s} failed (${child.status ?? child.signal})`);
      console.log(`(${s}: ${((performance.now() - started) / 1000).toFixed(0)} s wall)`);
    }
  } finally {
    if (!args.includes('--keep') && !args.includes('--resume')) for (const sub of ['index', 'small', 'parts', 'parts-small', 'parts-stats.json', 'parts-small-stats.json']) rmSync(path.join(dir, sub), { recursive: true, force: true });
  }
}
