/**
 * Semantic dedup at scale on synthetic embeddings: N unit vectors (80 % originals, 20 % noisy
 * copies of originals at cosine ≈ 0.97–0.99), D dimensions. Prints time, peak RSS, recall of the
 * copies and false merges, for each N.
 *
 *   node --import tsx bench/annotate/semantic-dedup.ts [--sizes 100000,300000,1000000] [--dim 256]
 */
import { parseArgs } from 'node:util';
import { markSemanticDuplicates, type EmbeddingRow } from '../../src/pack/semantic-dedup.js';
import { seededRandom } from '../../src/util/random.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,300000,1000000' }, dim: { type: 'string', default: '256' } } });
const dim = Number(values.dim);

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

function corpus(n: number): { rows: EmbeddingRow[]; copyOf: Map<string, string> } {
  const rand = seededRandom(n);
  const originals = Math.round(n * 0.8);
  const rows: EmbeddingRow[] = [];
  const copyOf = new Map<string, string>();
  const row = (clipId: string, embedding: Float32Array, width: number): EmbeddingRow => ({
    clipId, sourceId: clipId, embedding, width, height: (width * 9) / 16, duration: 4, startTime: 0, endTime: 4,
  });
  for (let i = 0; i < originals; i++) rows.push(row(`o${i}`, unit(Float32Array.from({ length: dim }, () => gaussian(rand))), 1280));
  for (let i = originals; i < n; i++) {
    const of = Math.floor(rand() * originals);
    const base = rows[of].embedding as Float32Array;
    // Noise of norm 0.1–0.25 relative to the unit vector: cosine 0.97–0.995.
    const scale = (0.1 + 0.15 * rand()) / Math.sqrt(dim);
    rows.push(row(`c${i}`, unit(Float32Array.from(base, (x) => x + scale * gaussian(rand))), 640));
    copyOf.set(`c${i}`, `o${of}`);
  }
  return { rows, copyOf };
}

console.log(`semantic dedup, ${dim}-dimensional synthetic embeddings, threshold 0.95`);
console.log('| clips | seconds | peak RSS MiB | RSS with rows MiB | copies found | false merges |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const n of values.sizes!.split(',').map(Number)) {
  const { rows, copyOf } = corpus(n);
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const verdicts = markSemanticDuplicates(rows, { threshold: 0.95 });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  let found = 0;
  let wrong = 0;
  for (const [id, of] of verdicts) {
    // A copy may be matched to another copy of the same original (the original's match missed).
    if ((copyOf.get(id) ?? id) === (copyOf.get(of) ?? of)) found++;
    else {
      wrong++;
      if (process.env.DEBUG) console.log(id, of, copyOf.get(id));
    }
  }
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(`| ${n.toLocaleString('en')} | ${seconds.toFixed(1)} | ${mib(peak)} | ${mib(before)} | ${((100 * found) / copyOf.size).toFixed(1)} % | ${wrong} |`);
}
