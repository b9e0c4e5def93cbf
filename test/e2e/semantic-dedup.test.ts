/**
 * Embedding-based dedup through the real CLI: a mirrored copy of a video, which the perceptual
 * hashes do not match, is found by its embedding (from a tiny ONNX encoder the test builds).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { queryIndex } from '../helpers/dataset.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';
import { tinyEncoder } from '../annotate/tiny-encoder.js';

describe('clipmill run --embed-model', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
    await mkdir(dir.file('in'));
    // Square pictures, so the encoder's centre crop is symmetric and a mirror embeds the same.
    const encode = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=192x192:r=25', '-t', '3', ...encode, dir.file('in/a.mp4')]);
    await ffmpeg(['-i', dir.file('in/a.mp4'), '-vf', 'hflip', ...encode, dir.file('in/a-mirrored.mp4')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'mandelbrot=s=192x192:r=25', '-t', '3', ...encode, dir.file('in/b.mp4')]);
  });
  after(() => dir.remove());

  it('drops the mirrored copy as semantic_duplicate of the original, and stores embeddings as a float list', async () => {
    const out = dir.file('out');
    const model = await tinyEncoder(dir.file('enc.onnx'));
    const res = await runCli(['run', dir.file('in'), '--out', out, '--min-clip', '1', '--embed-model', model]);
    assert.equal(res.code, 0, res.stderr);
    const rows = await queryIndex(out, (t) => `SELECT clip_id, source_uri, status, reason, duplicate_of, len(embedding) AS dims, typeof(embedding) AS type FROM ${t} ORDER BY source_uri`);
    const [a, mirrored, b] = ['/a.mp4', '/a-mirrored.mp4', '/b.mp4'].map((name) => rows.filter((r) => String(r.source_uri).endsWith(name)));
    assert.equal(a.length, 1);
    assert.equal(mirrored.length, 1);
    assert.equal(b.length, 1);
    const pair = [a[0], mirrored[0]];
    const dropped = pair.filter((r) => r.status === 'dropped');
    assert.equal(dropped.length, 1, 'one of the two copies is dropped');
    assert.equal(dropped[0].reason, 'semantic_duplicate', 'found by the embedding, not by the pixel hashes');
    assert.equal(dropped[0].duplicate_of, pair.find((r) => r.status === 'kept')!.clip_id);
    assert.equal(b[0].status, 'kept');
    for (const r of rows) {
      assert.equal(Number(r.dims), 96);
      assert.equal(r.type, 'FLOAT[]');
    }
  });

  it('without --embed-model the perceptual hashes alone keep both copies', async () => {
    const out = dir.file('plain');
    const res = await runCli(['run', dir.file('in'), '--out', out, '--min-clip', '1']);
    assert.equal(res.code, 0, res.stderr);
    const rows = await queryIndex(out, (t) => `SELECT status FROM ${t}`);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.status === 'kept'));
  });
});
