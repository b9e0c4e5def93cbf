/**
 * Synthetic sources, clips and pHash signatures for the scale benchmark: no video, but the shapes
 * the pipeline produces (16-hex-digit sample hashes, index rows of the real schema), with a known
 * share of near-copies (bits flipped per hash, half of them also starting 4 samples later).
 * Hashes are random bytes from the system (not reproducible run to run; the figures are rates).
 */
import type { DedupRow } from '../../src/pack/dedup.js';
import type { ClipRow } from '../../src/pack/rows.js';
import { randomFillSync } from 'node:crypto';
import { seededRandom } from '../../src/util/random.js';

/** Deterministic random 32-bit words. */
export function words(seed: number): () => number {
  const next = seededRandom(seed);
  return () => (next() * 2 ** 32) >>> 0;
}

/** Sample hashes of one clip: 8 bytes each, the 16 hex digits of the signature in byte order. */
export type Hashes = Buffer;

export const encode = (h: Hashes): string => h.toString('hex');

/** Random bytes come in blocks from the system's generator (the benchmark draws gigabytes). */
const BLOCK = 1 << 20;

export class SignatureSource {
  readonly next: () => number;
  private block = Buffer.alloc(0);
  private at = 0;

  constructor(
    seed: number,
    readonly samples: number,
  ) {
    this.next = words(seed);
  }

  random(): Hashes {
    const size = this.samples * 8;
    if (this.at + size > this.block.length) {
      this.block = randomFillSync(Buffer.allocUnsafe(BLOCK));
      this.at = 0;
    }
    this.at += size;
    return this.block.subarray(this.at - size, this.at);
  }

  /** A near-copy: `bits` bits flipped in every hash; shifted: starts 4 samples later, new pictures at the end. */
  copy(of: Hashes, bits: number, shifted: boolean): Hashes {
    const shift = shifted ? Math.min(4, this.samples - 3) * 8 : 0;
    const h = Buffer.concat([of.subarray(shift), this.random().subarray(0, shift)]);
    for (let s = 0; s < this.samples; s++) {
      const flipped: number[] = [];
      while (flipped.length < bits) {
        const b = this.next() % 64;
        if (!flipped.includes(b)) flipped.push(b);
      }
      for (const b of flipped) h[s * 8 + (b >> 3)] ^= 0x80 >> (b & 7);
    }
    return h;
  }
}

/** A bounded, uniform sample of the originals seen so far (reservoir), to make copies of. */
export class Reservoir {
  private readonly items: { clipId: string; hashes: Hashes }[] = [];
  private seen = 0;
  constructor(
    private readonly size: number,
    private readonly next: () => number,
  ) {}

  offer(clipId: string, hashes: Hashes): void {
    this.seen++;
    // A copy: the hashes may be a view of a large random block.
    if (this.items.length < this.size) this.items.push({ clipId, hashes: Buffer.from(hashes) });
    else {
      const j = this.next() % this.seen;
      if (j < this.size) this.items[j] = { clipId, hashes: Buffer.from(hashes) };
    }
  }

  pick(): { clipId: string; hashes: Hashes } {
    return this.items[this.next() % this.items.length];
  }
}

export const sourceId = (n: number) => `s${n.toString(36).padStart(6, '0')}`;
export const clipId = (source: number, k: number) => `${sourceId(source)}-${k}`;

export function dedupRow(source: number, k: number, hashes: Hashes, copy = false): DedupRow {
  // Copies are smaller pictures, so the original is the better copy in either rule.
  return { clipId: clipId(source, k), sourceId: sourceId(source), signature: encode(hashes), width: copy ? 640 : 1280, height: copy ? 360 : 720, duration: 4, startTime: k * 4, endTime: k * 4 + 4 };
}

const CATEGORIES = ['people', 'nature', 'city', 'sports', 'animals', 'vehicles', 'indoor', 'screen'];
const REASONS = ['motion: 0.01', 'blur: 0.9', 'text: 0.3', 'duplicate', 'brightness: 0.02'];

/** An index row of the real schema for clip k of a synthetic source; about 1 in 5 dropped. */
export function indexRow(source: number, k: number, r: () => number, signature: string): ClipRow {
  const dropped = r() % 5 === 0;
  const reason = dropped ? REASONS[r() % REASONS.length] : null;
  const duration = 2 + (r() % 800) / 100;
  const width = [640, 1280, 1920][r() % 3];
  const height = (width * 9) / 16;
  const id = sourceId(source);
  return {
    clip_id: clipId(source, k), source_id: id, source_uri: `https://videos.example.org/${id}.mp4`, source_kind: 'url',
    status: dropped ? 'dropped' : 'kept', reason, duplicate_of: reason === 'duplicate' ? clipId(source + 1, 0) : null,
    start_time: k * 10, end_time: k * 10 + duration, start_frame: k * 300, end_frame: k * 300 + Math.round(duration * 30), duration,
    width, height, fps: 30, bytes: dropped ? null : Math.round(duration * 400_000), snapped_to_keyframes: true,
    file: dropped ? null : `clips/${id}/${k}.mp4`, shard: dropped ? null : `shards/${width}x${height}/part-0.tar`, license: 'cc-by-4.0',
    caption: dropped ? null : `A synthetic clip ${k} of source ${id}.`, caption_model: dropped ? null : 'bench', caption_error: null,
    prompt_tokens: dropped ? null : 900, completion_tokens: dropped ? null : 40, caption_cost: dropped ? null : 0.0004,
    category: dropped ? null : CATEGORIES[r() % CATEGORIES.length], category_source: dropped ? null : 'vlm', tags: null, embedding: null,
    signature, signals: { motion: (r() % 1000) / 1000, blur: (r() % 1000) / 1000, brightness: (r() % 1000) / 1000, text: (r() % 1000) / 1000 },
    clip_metadata: null, source_width: 1920, source_height: 1080, source_fps: 30, source_duration: 600,
    final_uri: null, retrieved_at: '2026-12-01T00:00:00Z', source_bytes: 150_000_000, sha256: null,
    origin_input: 'urls.txt', origin_line: source + 1, source_metadata: null, fetcher_metadata: null,
  };
}
