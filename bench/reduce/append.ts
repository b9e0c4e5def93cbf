/**
 * Append benchmark of the reduce: time and peak memory of `pack` when 10 new sources are added to
 * a dataset of N sources, for growing N. Clip files are small stand-in bytes (the reduce never
 * decodes); each source has two kept clips with distinct pixel signatures. Printed per N: the
 * append without a near-duplicate index (the reduce itself), and with the persistent
 * SignatureIndex (lookups by binary search in its runs). The dataset is built in one child process and the append measured in another,
 * so the peak RSS printed is the append's own.
 *
 *   node --import tsx bench/reduce/append.ts [--sizes 200,1000,4000] [--shard-kib 256]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PackConfig } from '../../src/config/schema.js';
import { openDuplicateIndex } from '../../src/pack/duplicate-index.js';
import { pack } from '../../src/pack/index.js';
import { markPending } from '../../src/pack/part-markers.js';
import { OutputDir } from '../../src/store/output.js';
import type { KeptClip, SourceRecord } from '../../src/types.js';
import { tempDir } from '../../test/helpers/media.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '200,1000,4000' }, 'shard-kib': { type: 'string', default: '256' }, n: { type: 'string' }, index: { type: 'string' }, dir: { type: 'string' }, phase: { type: 'string' } },
});
const APPEND = 10;
const CLIP_BYTES = 8192;
const RUN = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:01.000Z' };

async function addSources(out: OutputDir, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const id = `s${String(i).padStart(7, '0')}`;
    await mkdir(path.join(out.root, out.clipsDirRel(id)), { recursive: true });
    const clips: KeptClip[] = [];
    for (let k = 0; k < 2; k++) {
      const clipId = `${id}-${k * 100}-${k * 100 + 99}`;
      const file = path.join(out.clipsDirRel(id), `${clipId}.mp4`);
      await writeFile(path.join(out.root, file), randomBytes(CLIP_BYTES));
      clips.push({
        clipId, startFrame: k * 100, endFrame: k * 100 + 99, startTime: k * 4, endTime: k * 4 + 4, duration: 4, status: 'kept', file,
        width: 640, height: 360, fps: 25, bytes: CLIP_BYTES, signature: randomBytes(64).toString('hex'),
      });
    }
    const now = new Date().toISOString();
    await markPending(out.root, id);
    await out.writeRecord({ version: 1, id, uri: `https://example.test/${id}.mp4`, kind: 'http', status: 'done', origin: { input: 'bench' }, metadata: {}, clips, timings: {}, startedAt: now, finishedAt: now } satisfies SourceRecord);
  }
}

const cfg = PackConfig.parse({ shardBytes: Number(values['shard-kib']) * 1024 });
const hooksFor = (root: string, withIndex: boolean) => (withIndex ? { duplicateIndex: () => openDuplicateIndex(root) } : {});

/** Child: builds a dataset of `n` sources (`build`), or appends 10 and prints what it cost (`append`). */
async function child(root: string, n: number, withIndex: boolean, phase: string): Promise<void> {
  const out = new OutputDir(root);
  if (phase === 'build') {
    await out.prepare();
    await addSources(out, 0, n);
    await pack(root, cfg, RUN, hooksFor(root, withIndex));
    return;
  }
  await addSources(out, n, APPEND);
  const t0 = performance.now();
  const summary = await pack(root, cfg, RUN, hooksFor(root, withIndex));
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, parts: summary.parts.length, sources: summary.sources, peakMiB: process.resourceUsage().maxRSS / 1024 }));
}

if (values.phase) {
  await child(values.dir!, Number(values.n), values.index === '1', values.phase);
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', self, ...args, '--shard-kib', values['shard-kib']!], { encoding: 'utf8' });
  console.log('| sources before | duplicate index | append of 10: seconds | new parts | sources after | peak RSS MiB |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const n of values.sizes!.split(',').map(Number)) {
    for (const index of ['0', '1']) {
      const dir = await tempDir('clipmill-bench-reduce-');
      try {
        const common = ['--dir', dir.file('out'), '--n', String(n), '--index', index];
        run([...common, '--phase', 'build']);
        const r = JSON.parse(run([...common, '--phase', 'append']).trim().split('\n').at(-1)!);
        console.log(`| ${n} | ${index === '1' ? 'SignatureIndex' : 'none'} | ${r.seconds.toFixed(3)} | ${r.parts} | ${r.sources} | ${r.peakMiB.toFixed(0)} |`);
      } finally {
        await dir.remove();
      }
    }
  }
}
