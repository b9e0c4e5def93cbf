/**
 * Semantic near-duplicate removal over clip embeddings, without comparing all pairs: copies that
 * pixel hashes miss (mirrored, re-framed, re-graded) still embed close together.
 *
 * Random-hyperplane LSH: each unit embedding gets 128 sign bits from 128 fixed random hyperplanes;
 * each of `tables` tables keys it by a fixed random choice of 16 of those bits. Two vectors at
 * angle θ share a bit with probability 1 − θ/π, so close ones share some table's key. Clips are
 * visited best copy first (most pixels, then longest, then id); a clip whose cosine similarity with
 * an already kept clip in one of its buckets reaches the threshold is that clip's duplicate. The
 * Hamming distance of the 128 sign bits screens bucket mates before the dot product: a pair far
 * above the distance its angle allows cannot reach the threshold. Buckets are found by a counting
 * sort per table: memory is about 8 bytes per clip per table, plus the embeddings themselves.
 */
import type { ClipRow } from './rows.js';
import { seededRandom, shuffled } from '../util/random.js';

export interface EmbeddingRow {
  clipId: string;
  sourceId: string;
  /** Unit-length embedding; rows without one are never duplicates. */
  embedding: ArrayLike<number> | null;
  width: number;
  height: number;
  duration: number;
  startTime: number;
  endTime: number;
}

export interface SemanticDedupOptions {
  /** Cosine similarity at or above which two clips are the same content. */
  threshold?: number;
  tables?: number;
  /** Members of one bucket compared with a clip at most (keeps a crowded bucket cheap). */
  maxBucketScan?: number;
}

export const SEMANTIC_DEFAULTS: Required<SemanticDedupOptions> = { threshold: 0.95, tables: 24, maxBucketScan: 256 };

const PLANES = 128;
const WORDS = PLANES / 32;
const KEY_BITS = 16;

function gaussianPlanes(dim: number): Float32Array {
  const rand = seededRandom(0x5eed);
  const planes = new Float32Array(PLANES * dim);
  for (let i = 0; i < planes.length; i++) {
    // Box–Muller: a normal sample from two uniform ones.
    planes[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  }
  return planes;
}

/** Packs each row's embedding into one Float32Array (n × dim) and its sign bits into WORDS words. */
function embedAll(rows: readonly EmbeddingRow[], dim: number): { vectors: Float32Array; signs: Uint32Array } {
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => vectors.set(row.embedding!, i * dim));
  return { vectors, signs: signBits(vectors, rows.length, dim, gaussianPlanes(dim)) };
}

/** Which side of each hyperplane every vector lies on, as bits. */
function signBits(vectors: Float32Array, n: number, dim: number, planes: Float32Array): Uint32Array {
  const signs = new Uint32Array(n * WORDS);
  for (let i = 0; i < n; i++) {
    const base = i * dim;
    for (let p = 0; p < PLANES; p++) {
      let dot = 0;
      const off = p * dim;
      for (let d = 0; d < dim; d++) dot += planes[off + d] * vectors[base + d];
      if (dot >= 0) signs[i * WORDS + (p >> 5)] |= 1 << (p & 31);
    }
  }
  return signs;
}

/** One LSH table: the rows sorted by key (a counting sort), and where each key's run starts. */
interface Table {
  keys: Uint16Array;
  order: Uint32Array;
  starts: Uint32Array;
}

function buildTable(signs: Uint32Array, n: number, bits: number[]): Table {
  const keys = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let key = 0;
    for (let b = 0; b < KEY_BITS; b++) {
      const p = bits[b];
      if ((signs[i * WORDS + (p >> 5)] >>> (p & 31)) & 1) key |= 1 << b;
    }
    keys[i] = key;
  }
  const starts = new Uint32Array((1 << KEY_BITS) + 1);
  for (let i = 0; i < n; i++) starts[keys[i] + 1]++;
  for (let k = 0; k < 1 << KEY_BITS; k++) starts[k + 1] += starts[k];
  const fill = starts.slice(0, -1);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[fill[keys[i]]++] = i;
  return { keys, order, starts };
}

/** Each table's key bits: a fixed random choice of KEY_BITS of the planes. */
const tableBits = (tables: number): number[][] => Array.from({ length: tables }, (_, t) => shuffled(PLANES, 0xb175 + t).slice(0, KEY_BITS));

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Largest sign-bit distance a pair at the threshold's angle shows, with a wide margin: each bit
 * differs with probability θ/π, so allow the mean plus five standard deviations.
 */
function maxSignDistance(threshold: number): number {
  const p = Math.acos(Math.min(1, threshold)) / Math.PI;
  return Math.ceil(PLANES * p + 5 * Math.sqrt(PLANES * p * (1 - p))) + 1;
}

/** Clips of one source whose spans overlap are the same footage, never copies of each other. */
const sameFootage = (a: EmbeddingRow, b: EmbeddingRow) => a.sourceId === b.sourceId && a.startTime < b.endTime && b.startTime < a.endTime;

/** Returns clip id → id of the kept clip it duplicates, for every semantic duplicate. */
export function markSemanticDuplicates(allRows: readonly EmbeddingRow[], options: SemanticDedupOptions = {}): Map<string, string> {
  const opts = { ...SEMANTIC_DEFAULTS, ...options };
  const rows = allRows.filter((r) => r.embedding && r.embedding.length > 0);
  const verdicts = new Map<string, string>();
  if (rows.length < 2) return verdicts;
  const dim = rows[0].embedding!.length;
  if (rows.some((r) => r.embedding!.length !== dim)) throw new Error('Clip embeddings differ in length: were they made by different models?');
  const { vectors, signs } = embedAll(rows, dim);
  const tables = tableBits(opts.tables).map((bits) => buildTable(signs, rows.length, bits));

  const best = rows.map((_, i) => i).sort((a, b) => {
    const ra = rows[a];
    const rb = rows[b];
    return rb.width * rb.height - ra.width * ra.height || rb.duration - ra.duration || (ra.clipId < rb.clipId ? -1 : ra.clipId > rb.clipId ? 1 : 0);
  });
  const kept = new Uint8Array(rows.length);
  const maxBits = maxSignDistance(opts.threshold);
  const signDistance = (a: number, b: number) => {
    let d = 0;
    for (let w = 0; w < WORDS; w++) d += popcount(signs[a * WORDS + w] ^ signs[b * WORDS + w]);
    return d;
  };
  const cosine = (a: number, b: number) => {
    let dot = 0;
    for (let d = 0, ia = a * dim, ib = b * dim; d < dim; d++) dot += vectors[ia + d] * vectors[ib + d];
    return dot;
  };
  for (const i of best) {
    const of = keptMatch(i);
    if (of === undefined) kept[i] = 1;
    else verdicts.set(rows[i].clipId, rows[of].clipId);
  }
  return verdicts;

  function keptMatch(i: number): number | undefined {
    for (const t of tables) {
      const key = t.keys[i];
      const end = Math.min(t.starts[key + 1], t.starts[key] + opts.maxBucketScan);
      for (let p = t.starts[key]; p < end; p++) {
        const j = t.order[p];
        if (kept[j] && signDistance(i, j) <= maxBits && !sameFootage(rows[i], rows[j]) && cosine(i, j) >= opts.threshold) return j;
      }
    }
    return undefined;
  }
}

/** Semantic duplicates among index rows (those with an embedding). */
export function markSemanticDuplicateRows(rows: readonly ClipRow[], threshold: number): Map<string, string> {
  return markSemanticDuplicates(
    rows.map((r) => ({
      clipId: r.clip_id,
      sourceId: r.source_id,
      embedding: r.embedding,
      width: r.width ?? r.source_width ?? 0,
      height: r.height ?? r.source_height ?? 0,
      duration: r.duration,
      startTime: r.start_time,
      endTime: r.end_time,
    })),
    { threshold },
  );
}
