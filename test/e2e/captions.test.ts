/**
 * Captions through the real CLI: a run against an OpenAI-compatible server on loopback that looks
 * at the frames it is sent, and a run killed mid-way whose rerun asks nothing twice.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readIndex } from '../../src/pack/index-parts.js';
import { runCli, startCli } from '../helpers/cli.js';
import { listShards, tarMembers } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startVlmServer, type VlmServer } from '../annotate/vlm-server.js';

const API_KEY = 'sekret-caption-key-123';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('clipmill run --caption-endpoint', () => {
  let dir: TempDir;
  let server: VlmServer;
  before(async () => {
    dir = await tempDir();
    server = await startVlmServer();
    await mkdir(dir.file('in'));
    // Six different shots, so no clip is a duplicate of another (pack would drop it).
    const patterns = ['testsrc2', 'mandelbrot', 'life=ratio=0.5:mold=10:seed=3', 'cellauto=rule=110:seed=2', 'testsrc', 'life=ratio=0.3:mold=5:seed=7'];
    for (let i = 0; i < 3; i++) {
      await cutVideo(dir.file(`in/v${i}.mp4`), [
        { source: patterns[2 * i], frames: 60 },
        { source: patterns[2 * i + 1], frames: 60 },
      ], '320x180');
    }
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  const args = (out: string, extra: string[] = []) => [
    'run', dir.file('in'), '--out', out, '--workers', '1', '--min-clip', '1',
    '--caption-endpoint', server.endpoint, '--caption-model', 'test-vlm', '--caption-frames', '2', ...extra,
  ];

  it('writes a caption, category and token counts for every kept clip, to the index, the shards and the records', async () => {
    const out = dir.file('out');
    const res = await runCli(args(out), { CLIPMILL_CAPTION_API_KEY: API_KEY });
    assert.equal(res.code, 0, res.stderr);
    const kept = ((await readIndex(out)) ?? []).filter((r) => r.status === 'kept');
    assert.ok(kept.length >= 3, `kept ${kept.length}`);
    for (const row of kept) {
      assert.match(row.caption ?? '', /^frames: \w+ \w+$/, row.clip_id);
      assert.equal(row.caption_model, 'test-vlm');
      assert.ok(row.category, 'a category from the model');
      assert.equal(row.category_source, 'vlm');
      assert.equal(row.prompt_tokens, 200);
      assert.equal(row.completion_tokens, 12);
      assert.equal(row.caption_error, null);
    }
    assert.equal(server.requests, kept.length, 'one request per kept clip');
    assert.ok(server.auth.every((a) => a === `Bearer ${API_KEY}`));

    const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8'));
    assert.equal(stats.captions.captioned, kept.length);
    assert.equal(stats.captions.prompt_tokens, 200 * kept.length);
    const categorised = Object.values(stats.categories as Record<string, { clips: number }>).reduce((n, c) => n + c.clips, 0);
    assert.equal(categorised, kept.length);

    const members = (await Promise.all((await listShards(out)).map(tarMembers))).flat();
    assert.equal(members.filter((m) => m.name.endsWith('.txt')).length, kept.length, 'a .txt caption beside every clip');

    for (const file of await filesUnder(out)) {
      assert.ok(!(await readFile(file)).includes(API_KEY), `the API key leaked into ${file}`);
    }
    assert.ok(!res.stderr.includes(API_KEY) && !res.stdout.includes(API_KEY));
  });

  it('a run killed mid-way and started again sends no request twice for a clip already captioned', async () => {
    const out = dir.file('killed');
    server.requests = 0;
    server.bodies.length = 0;
    server.delayMs = 300;
    const killed = startCli(args(out, ['--caption-concurrency', '1']));
    // With one request in flight at a time, the third request is sent only after the first two
    // answers were cached: kill the run right then.
    server.onRequest = (n) => {
      if (n === 3) killed.child.kill('SIGKILL');
    };
    const first = await killed.done;
    assert.equal(first.signal, 'SIGKILL');
    server.onRequest = undefined;
    server.delayMs = 0;
    const answered = server.bodies.slice(0, 2);

    const res = await runCli(args(out));
    assert.equal(res.code, 0, res.stderr);
    const again = server.bodies.slice(3);
    for (const body of answered) assert.ok(!again.includes(body), 'a captioned clip was asked again');
    const kept = ((await readIndex(out)) ?? []).filter((r) => r.status === 'kept');
    assert.ok(kept.every((r) => r.caption_model === 'test-vlm'));
    assert.equal(new Set(server.bodies).size, kept.length, 'every kept clip asked about, each once apart from the one cut off');
  });

  it('keeps as many requests in flight as --caption-concurrency allows (server-observed)', async () => {
    // One source of nine different shots: nine kept clips described at once, eight at a time.
    const places = [[-0.743643887037151, 0.13182590420533], [-0.235125, 0.827215], [-1.25066, 0.02012], [-0.1011, 0.9563],
      [0.285, 0.01], [-1.768, 0.001], [0.001643721971153, -0.822467633298876], [-0.1592, -1.0317], [0.3, 0.5]];
    const video = dir.file('nine.mp4');
    await cutVideo(video, places.map(([x, y]) => ({ source: `mandelbrot=start_x=${x}:start_y=${y}:start_scale=0.3:end_scale=0.05`, frames: 30 })), '320x180');
    server.requests = 0;
    server.maxInFlight = 0;
    server.holdUntilInFlight = 8;
    try {
      const res = await runCli(['run', video, '--out', dir.file('eight'), '--min-clip', '1', '--caption-endpoint', server.endpoint,
        '--caption-model', 'test-vlm', '--caption-frames', '1', '--caption-concurrency', '8']);
      assert.equal(res.code, 0, res.stderr);
    } finally {
      server.holdUntilInFlight = undefined;
    }
    assert.equal(server.maxInFlight, 8);
    assert.equal(server.requests, 9);
  });

  it('a failed caption keeps the clip with caption_error, and the next run asks only for those', async () => {
    const out = dir.file('failing');
    server.requests = 0;
    server.behaviour = 'server-error';
    const res = await runCli([...args(out), '--retries', '0'], {});
    assert.equal(res.code, 0, res.stderr);
    let kept = ((await readIndex(out)) ?? []).filter((r) => r.status === 'kept');
    assert.ok(kept.length >= 3);
    assert.ok(kept.every((r) => /HTTP 500/.test(r.caption_error ?? '')), 'every kept clip says why it has no caption');
    server.behaviour = 'ok';
    server.requests = 0;
    const rerun = await runCli(args(out));
    assert.equal(rerun.code, 0, rerun.stderr);
    kept = ((await readIndex(out)) ?? []).filter((r) => r.status === 'kept');
    assert.equal(server.requests, kept.length, 'the rerun asks once for each failed clip');
    assert.ok(kept.every((r) => r.caption_model === 'test-vlm' && r.caption_error === null));
    // The captions reach the samples too (the part's tars were written again), and no clip stays staged.
    const names = (await Promise.all((await listShards(out)).map(tarMembers))).flat().map((m) => m.name);
    assert.deepEqual(names.filter((n) => n.endsWith('.txt')).sort(), kept.map((r) => `${r.clip_id}.txt`).sort());
    assert.deepEqual(await readdir(path.join(out, 'clips')).catch(() => []), []);
    const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8'));
    assert.deepEqual([stats.captions.errors, stats.captions.captioned], [0, kept.length]);
  });
});
