/**
 * Resource limits: a server trickling bytes or streaming for ever is given up (too_slow, timeout:
 * transient failures), an enormous manifest line or a deeply nested row is a bad row, and a
 * record that cannot be written is a failed source: the run always finishes.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunConfig } from '../../src/config/schema.js';
import { LocalRoots } from '../../src/fetch/local-roots.js';
import { LocalHostGate } from '../../src/fetch/politeness.js';
import { processSource } from '../../src/pipeline/task.js';
import { loadPolicyContext } from '../../src/policy/context.js';
import { OutputDir } from '../../src/store/output.js';
import type { SourceRecord } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startServer, type TestServer } from '../fetch/server.js';
import { LOOPBACK_FLAGS } from './flags.js';

const deep = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('slow and endless downloads', () => {
  let dir: TempDir;
  let server: TestServer;
  const timers = new Set<NodeJS.Timeout>();

  before(async () => {
    dir = await tempDir();
    server = await startServer((req, res) => {
      // /trickle: one byte every 200 ms of a 100 kB file. /endless: 16 KiB every 50 ms of a 1 GiB file.
      const trickle = req.url === '/trickle.mp4';
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(trickle ? 100_000 : 1024 ** 3) });
      const chunk = Buffer.alloc(trickle ? 1 : 16 * 1024);
      const timer = setInterval(() => res.write(chunk), trickle ? 200 : 50);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
    });
    // A run per download, each with one limit small so the test is short and the other at its
    // default (16 KiB/s over 20 s; 600 s + size / 256 KiB/s), so each can trip only its own: with
    // both small in one run, a window of 2 one-second ticks and a 3 s deadline were one tick apart,
    // and a body that started late (a busy machine) met the deadline first.
    for (const [name, limit] of [['trickle', { minRateWindowSec: 2 }], ['endless', { deadlineSec: 3, deadlineBytesPerSec: 1e15 }]] as const) {
      await writeFile(dir.file(`${name}.txt`), `${server.base}/${name}.mp4\n`);
      await writeFile(dir.file(`${name}.json`), JSON.stringify({ fetch: { ...limit, retries: 0, timeoutSec: 30 } }));
    }
  });
  after(async () => {
    for (const t of timers) clearInterval(t);
    await server?.close();
    await dir?.remove();
  });

  it('gives up a trickle as too_slow and an endless stream at its deadline, both transient', { timeout: 120_000 }, async () => {
    const byName = new Map<string, SourceRecord>();
    await Promise.all(['trickle', 'endless'].map(async (name) => {
      const out = dir.file(`out-${name}`);
      const res = await runCli(['run', dir.file(`${name}.txt`), '--out', out, '--config', dir.file(`${name}.json`), ...LOOPBACK_FLAGS(dir.path)]);
      assert.equal(res.code, 0, res.stderr);
      for (const r of await readRecords(out)) byName.set(path.posix.basename(r.uri), r);
    }));
    assert.equal(byName.size, 2);
    assert.equal(byName.get('trickle.mp4')?.error?.code, 'too_slow', byName.get('trickle.mp4')?.error?.message);
    assert.equal(byName.get('endless.mp4')?.error?.code, 'timeout', byName.get('endless.mp4')?.error?.message);
    assert.match(byName.get('endless.mp4')!.error!.message, /deadline/);
    for (const r of byName.values()) assert.equal(r.error?.transient, true, 'a later run tries again');
  });
});

describe('oversized manifest rows', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
    await lavfiVideo(dir.file('good.mp4'), 'testsrc2=s=160x90:r=25', 2);
    await lavfiVideo(dir.file('also-good.mp4'), 'testsrc2=s=160x90:r=25', 2);
    await lavfiVideo(dir.file('third.mp4'), 'testsrc2=s=160x90:r=25', 2);
    const rows = [
      JSON.stringify({ url: dir.file('good.mp4'), title: 'x'.repeat(2 * 1024 * 1024) }),
      `{"url": "${dir.file('good.mp4')}", "deep": ${deep(100_000)}}`,
      JSON.stringify({ url: dir.file('good.mp4'), title: 'fine' }),
    ];
    await writeFile(dir.file('m.jsonl'), rows.join('\n') + '\n');
    await writeFile(dir.file('m.csv'), ['url,title', `${dir.file('also-good.mp4')},${'y'.repeat(2 * 1024 * 1024)}`, `${dir.file('also-good.mp4')},fine`].join('\n') + '\n');
    await writeFile(dir.file('m.json'), JSON.stringify([{ url: dir.file('third.mp4'), title: 'z'.repeat(2 * 1024 * 1024) }, { url: dir.file('third.mp4'), title: 'fine' }]));
  });
  after(() => dir?.remove());

  it('reports them as bad rows with their line and goes on with the next rows', { timeout: 120_000 }, async () => {
    const out = dir.file('out');
    const res = await runCli(['run', dir.file('m.jsonl'), dir.file('m.csv'), dir.file('m.json'), '--out', out, '--min-clip', '1', '--allow-local', dir.path]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /m\.jsonl:1\b.*longer than 1048576 bytes/);
    assert.match(res.stderr, /m\.jsonl:2\b.*nested deeper than 32 levels/);
    assert.match(res.stderr, /m\.csv:2\b.*longer than 1048576 bytes/);
    assert.match(res.stderr, /m\.json:1\b.*longer than 1048576 bytes/);
    assert.match(res.stderr, /4 bad manifest rows/);
    const records = await readRecords(out);
    assert.deepEqual(records.map((r) => [r.metadata.title, r.status]).sort(), [['fine', 'done'], ['fine', 'done'], ['fine', 'done']]);
  });
});

describe('a record that cannot be written', () => {
  let dir: TempDir;
  before(async () => (dir = await tempDir()));
  after(() => dir?.remove());

  it('becomes a failed record with code record_unwritable instead of an error', async () => {
    const out = new OutputDir(dir.file('out'));
    await out.prepare();
    // Nested past what JSON.stringify can write (a source built in code, not by ingest, which refuses it).
    const metadata = { deep: JSON.parse(deep(100_000)) as unknown };
    const source = { id: 'deepsource000001', uri: dir.file('missing.mp4'), kind: 'file' as const, metadata, origin: { input: 'test' } };
    const cfg = RunConfig.parse({});
    const record = await processSource(source, {
      out, cfg, gate: new LocalHostGate({ concurrency: 1, rps: 0 }), policy: await loadPolicyContext(cfg.policy, out.root),
      access: { localRoots: LocalRoots.none },
    });
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'record_unwritable');
    assert.equal((await out.readRecord(source.id))?.error?.code, 'record_unwritable', 'the record is on disk');
  });
});
