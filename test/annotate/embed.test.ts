import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClipEmbedder } from '../../src/annotate/embedder.js';
import { markSemanticDuplicates, type EmbeddingRow } from '../../src/pack/semantic-dedup.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';
import { tinyEncoder } from './tiny-encoder.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('clip embeddings through onnxruntime', () => {
  let dir: TempDir;
  let embedder: ClipEmbedder;
  before(async () => {
    dir = await tempDir();
    embedder = new ClipEmbedder({ modelPath: await tinyEncoder(dir.file('enc.onnx')), frames: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=192x192:r=25:d=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', dir.file('a.mp4')]);
    await ffmpeg(['-i', dir.file('a.mp4'), '-vf', 'hflip', '-c:v', 'libx264', '-preset', 'ultrafast', dir.file('a-mirror.mp4')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'mandelbrot=s=192x192:r=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', dir.file('b.mp4')]);
  });
  after(() => dir.remove());

  test('a clip embeds to a unit vector of the model\'s output size, at the model\'s input size', async () => {
    const e = await embedder.embed(dir.file('a.mp4'), 50);
    assert.equal(e.length, 96);
    assert.ok(Math.abs(cosine(e, e) - 1) < 1e-5);
  });

  // Square clips: the encoder's centre crop of a wider picture would not be symmetric to the pixel.
  test('a mirrored copy embeds the same (this encoder is mirror-blind); other content does not', async () => {
    const a = await embedder.embed(dir.file('a.mp4'), 50);
    const mirror = await embedder.embed(dir.file('a-mirror.mp4'), 50);
    const b = await embedder.embed(dir.file('b.mp4'), 50);
    assert.ok(cosine(a, mirror) > 0.99, `mirror ${cosine(a, mirror)}`);
    assert.ok(cosine(a, b) < 0.9, `other ${cosine(a, b)}`);
  });

  test('a missing model is a clear run-level error', async () => {
    const broken = new ClipEmbedder({ modelPath: dir.file('nope.onnx'), frames: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    await assert.rejects(broken.embed(dir.file('a.mp4'), 50), /could not be loaded/);
  });
});

/** Random unit vectors from a seeded generator. */
function unitVectors(n: number, dim: number, seed: number): number[][] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: n }, () => normalise(Array.from({ length: dim }, rand)));
}
const normalise = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('markSemanticDuplicates', () => {
  const row = (clipId: string, embedding: number[] | null, over: Partial<EmbeddingRow> = {}): EmbeddingRow => ({
    clipId, sourceId: `s-${clipId}`, embedding, width: 640, height: 360, duration: 3, startTime: 0, endTime: 3, ...over,
  });

  test('finds noisy copies among unrelated vectors, keeps the best copy, merges nothing unrelated', () => {
    const base = unitVectors(2000, 64, 7);
    const noise = unitVectors(200, 64, 99);
    const rows = base.map((v, i) => row(`o${i}`, v));
    // 200 copies at cosine ≈ 0.98 of the first 200 originals, at a lower resolution.
    for (let i = 0; i < 200; i++) rows.push(row(`c${i}`, normalise(base[i].map((x, d) => x + 0.2 * noise[i][d])), { width: 320, height: 180 }));
    const dup = markSemanticDuplicates(rows, { threshold: 0.95 });
    let found = 0;
    for (let i = 0; i < 200; i++) if (dup.get(`c${i}`) === `o${i}`) found++;
    assert.ok(found >= 196, `found ${found} of 200`);
    assert.ok([...dup.keys()].every((id) => id.startsWith('c')), 'no original was marked a duplicate');
  });

  test('overlapping clips of one source and rows without an embedding are never duplicates', () => {
    const v = unitVectors(1, 16, 3)[0];
    const dup = markSemanticDuplicates([
      row('a', v, { sourceId: 's', startTime: 0, endTime: 3 }),
      row('b', v, { sourceId: 's', startTime: 2, endTime: 5 }),
      row('c', null),
    ]);
    assert.equal(dup.size, 0);
    const apart = markSemanticDuplicates([row('a', v, { sourceId: 's', startTime: 0, endTime: 3 }), row('b', v, { sourceId: 's', startTime: 10, endTime: 13 })]);
    assert.equal(apart.size, 1);
  });
});
