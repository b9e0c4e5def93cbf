/**
 * `clipmill run` end to end, as a user runs it: a manifest mixing good local files, good http
 * URLs and every kind of bad source, then the dataset it leaves; and a SIGKILL in the middle of a run.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli } from '../helpers/cli.js';
import { listShards, queryIndex, readRecords, recordFiles, tarMembers } from '../helpers/dataset.js';
import { cutVideo, ffmpeg, lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';

/** Serves files of `dir`; /stall.mp4 sends headers then never a byte; anything missing is a 404. */
function fileServer(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
    if (name === 'stall.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '100000' });
      return; // never sends the body
    }
    const file = path.join(dir, path.basename(name));
    const info = await stat(file).catch(() => undefined);
    if (!info) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(info.size) });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    }),
  );
}

describe('clipmill run on a mixed manifest', () => {
  let dir: TempDir;
  let server: { url: string; close: () => Promise<void> };
  let cuts: number[];
  const out = () => dir.file('out');

  before(async () => {
    dir = await tempDir();
    const media = dir.file('media');
    await mkdir(media);
    cuts = await cutVideo(path.join(media, 'cuts.mp4'), [
      { source: 'testsrc2', frames: 75 },
      { source: 'smptebars', frames: 60 },
      { source: 'mandelbrot', frames: 90 },
    ]);
    await cutVideo(path.join(media, 'served.mp4'), [
      { source: 'testsrc2', frames: 60 },
      { source: 'rgbtestsrc', frames: 60 },
    ]);
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=d=2', path.join(media, 'audio-only.m4a')]);
    await writeFile(path.join(media, 'empty.mp4'), '');
    await writeFile(path.join(media, 'text.mp4'), 'not a video\n'.repeat(50));
    const whole = await readFile(await lavfiVideo(dir.file('whole.mp4'), 'testsrc2=s=160x90:r=25', 3));
    await writeFile(path.join(media, 'truncated.mp4'), whole.subarray(0, whole.length >> 1));
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=1', '-c:v', 'mpeg4', '-f', 'avi', dir.file('m4.avi')]);
    const avi = (await readFile(dir.file('m4.avi'))).toString('latin1').replace(/FMP4|DIVX|XVID/g, 'ZZZZ');
    await writeFile(path.join(media, 'alien.avi'), Buffer.from(avi, 'latin1'));
    server = await fileServer(media);

    const rows = [
      'url,title',
      `${path.join(media, 'cuts.mp4')},local cuts`,
      `${server.url}/served.mp4,served over http`,
      `${server.url}/missing.mp4,a 404`,
      `${server.url}/stall.mp4,a server that stalls`,
      `${path.join(media, 'audio-only.m4a')},audio only`,
      `${path.join(media, 'empty.mp4')},empty`,
      `${path.join(media, 'text.mp4')},text`,
      `${path.join(media, 'truncated.mp4')},truncated`,
      `${path.join(media, 'alien.avi')},unknown codec`,
      `,a row without a url`,
    ];
    await writeFile(dir.file('manifest.csv'), rows.join('\n') + '\n');
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('completes with exit 0 and records every source', async () => {
    const res = await runCli(['run', dir.file('manifest.csv'), '--out', out(), '--workers', '2', '--min-clip', '1', '--timeout', '1', '--retries', '1', '--thumbnails', '--allow-local', dir.file('media'), '--allow-private-network']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /manifest\.csv:11/, 'the bad row is reported with file and line');
    const records = await readRecords(out());
    assert.equal(records.length, 9);
    const byTitle = new Map(records.map((r) => [r.metadata.title as string, r]));
    const expectFailure: Record<string, string> = {
      'a 404': 'http_not_found',
      'a server that stalls': 'timeout',
      'audio only': 'no_video_stream',
      empty: 'empty_file',
      text: 'not_a_video',
      truncated: 'truncated_video',
      'unknown codec': 'unsupported_codec',
    };
    for (const [title, code] of Object.entries(expectFailure)) {
      const r = byTitle.get(title);
      assert.equal(r?.status, 'failed', `${title} should fail`);
      assert.equal(r?.error?.code, code, `${title}: ${r?.error?.message}`);
      assert.ok((r?.error?.message.length ?? 0) > 10, 'a sentence a person understands');
    }
    for (const title of ['local cuts', 'served over http']) {
      const r = byTitle.get(title)!;
      assert.equal(r.status, 'done', `${title}: ${r.error?.message}`);
      assert.ok(r.clips.some((c) => c.status === 'kept'), `${title} keeps clips`);
    }
    const cutStarts = byTitle.get('local cuts')!.shots!.map((s) => s.startFrame);
    for (const c of cuts) assert.ok(cutStarts.includes(c), `a shot starts at the cut at frame ${c} (${cutStarts})`);
    assert.equal(byTitle.get('served over http')!.provenance?.bytes, (await stat(path.join(dir.path, 'media', 'served.mp4'))).size);
  });

  it('writes shards whose members pair up, and an index DuckDB reads', async () => {
    const shards = await listShards(out());
    assert.ok(shards.length > 0);
    const names: string[] = [];
    for (const shard of shards) names.push(...(await tarMembers(shard)).map((m) => m.name));
    const mp4 = names.filter((n) => n.endsWith('.mp4')).map((n) => n.slice(0, -4)).sort();
    const json = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
    assert.ok(mp4.length > 0);
    assert.deepEqual(mp4, json, 'every clip has its .mp4 and .json');
    const jpg = names.filter((n) => n.endsWith('.jpg')).map((n) => n.slice(0, -4)).sort();
    assert.deepEqual(jpg, mp4, '--thumbnails adds a .jpg to every clip');

    const rows = await queryIndex(out(), (t) => `SELECT clip_id, source_id, source_uri, status, reason, start_time, end_time, start_frame, end_frame, duration, width, height, fps, shard FROM ${t} ORDER BY clip_id`);
    const kept = rows.filter((r) => r.status === 'kept').map((r) => r.clip_id as string).sort();
    assert.deepEqual(kept, mp4, 'kept rows are exactly the clips in the shards');
    for (const r of rows) {
      if (r.status === 'dropped') assert.ok(r.reason, 'a dropped clip says why');
      else assert.ok(String(r.shard).endsWith('.tar'));
      assert.ok((r.end_time as number) > (r.start_time as number));
    }
    // The decoder's quantiser is an index column like the other signals (x264's default crf 23: QP 23 of 51).
    const quantisers = await queryIndex(out(), (t) => `SELECT quantiser, bits_per_pixel FROM ${t} WHERE status = 'kept'`);
    assert.ok(quantisers.length > 0);
    for (const q of quantisers) assert.ok(Math.abs((q.quantiser as number) - 23 / 51) < 1e-6, JSON.stringify(q));
    const stats = JSON.parse(await readFile(path.join(out(), 'stats.json'), 'utf8'));
    assert.equal(stats.count, 9);
    assert.equal(stats.successes, 2);
    assert.equal(stats.status_dict.http_not_found, 1);
  });

  it('shows a summary with clipmill status', async () => {
    const res = await runCli(['status', out(), '--json']);
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout);
    assert.ok(JSON.stringify(summary).includes('truncated_video'), 'failures are counted by code');
  });

  it('fails clearly, with a non-zero status, on an unwritable output or a bad config', async () => {
    await writeFile(dir.file('a-file'), 'x');
    const unwritable = await runCli(['run', dir.file('manifest.csv'), '--out', path.join(dir.file('a-file'), 'out')]);
    assert.notEqual(unwritable.code, 0);
    assert.match(unwritable.stderr, /not writable/);
    // Under /proc, Node's recursive mkdir would spin forever: the run must fail, not hang.
    const procfs = await runCli(['run', dir.file('manifest.csv'), '--out', '/proc/clipmill-no-such-dir/out']);
    assert.notEqual(procfs.code, 0);
    assert.match(procfs.stderr, /not writable/);
    await writeFile(dir.file('bad.json'), JSON.stringify({ workers: -3 }));
    const badConfig = await runCli(['run', dir.file('manifest.csv'), '--out', dir.file('o2'), '--config', dir.file('bad.json')]);
    assert.notEqual(badConfig.code, 0);
    assert.match(badConfig.stderr, /workers/);
  });
});

describe('a run killed with SIGKILL and started again', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
    await mkdir(dir.file('in'));
    const sources = ['testsrc2', 'smptebars', 'mandelbrot', 'life=ratio=0.5:mold=10:seed=3', 'testsrc', 'cellauto=rule=110:seed=2'];
    for (let i = 0; i < 6; i++) {
      await cutVideo(dir.file(`in/v${i}.mp4`), [
        { source: sources[i], frames: 50 + 5 * i },
        { source: sources[(i + 1) % sources.length], frames: 60 },
      ], '320x180');
    }
  });
  after(() => dir.remove());

  it('finishes the work without redoing sources and with the same clip ids as an uninterrupted run', async () => {
    // The first run writes inside its own input folder: its output must never be read as input.
    const args = (out: string) => ['run', dir.file('in'), '--out', out, '--workers', '1', '--min-clip', '1'];
    const resumed = dir.file('in/resumed');
    const killed = startCli(args(resumed));
    // Kill as soon as the first source has its record.
    for (;;) {
      if ((await recordFiles(resumed)).length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    killed.child.kill('SIGKILL');
    await killed.done;
    const beforeRerun = await readRecords(resumed);
    assert.ok(beforeRerun.length >= 1 && beforeRerun.length < 6, `killed mid-run (${beforeRerun.length} records)`);

    const rerun = await runCli(args(resumed));
    assert.equal(rerun.code, 0, rerun.stderr);
    const afterRerun = await readRecords(resumed);
    assert.equal(afterRerun.length, 6);
    for (const r of beforeRerun) {
      const again = afterRerun.find((x) => x.id === r.id)!;
      assert.equal(again.finishedAt, r.finishedAt, `${r.id} was not redone`);
    }

    const clean = await runCli(args(dir.file('clean')));
    assert.equal(clean.code, 0, clean.stderr);
    const ids = async (out: string) =>
      (await queryIndex(out, (t) => `SELECT clip_id, status FROM ${t} ORDER BY clip_id`)).map((r) => `${r.clip_id}:${r.status}`);
    const resumedIds = await ids(resumed);
    assert.deepEqual(resumedIds, await ids(dir.file('clean')));
    assert.equal(new Set(resumedIds).size, resumedIds.length, 'no duplicate clips');
  });
});
