/**
 * The run lock under contention: many processes take the lock of one output folder at the same
 * moment, on a fresh folder and on a folder whose lock a dead run left; exactly one holds it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { LOCK_FILE } from '../../src/store/run-lock.js';
import { tempDir, type TempDir } from '../helpers/media.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/lock-child.ts');
const RACERS = 6;

/** Starts RACERS children on `out`, lets them go at once, and returns each one's first line. */
async function race(out: string, go: string): Promise<{ lines: string[]; children: ChildProcess[] }> {
  const children = Array.from({ length: RACERS }, () =>
    spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, out, go], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map(
    (child) =>
      new Promise<string>((resolve) => {
        let text = '';
        child.stdout!.on('data', (b: Buffer) => {
          text += b.toString();
          if (text.includes('\n')) resolve(text.split('\n')[0]!);
        });
        child.on('close', () => resolve(text.split('\n')[0]!));
      }),
  );
  // Every child is up and waiting for `go` before it appears (their tsx start takes a while).
  await new Promise((r) => setTimeout(r, 3000));
  await writeFile(go, '');
  return { lines: await Promise.all(lines), children };
}

describe('the run lock of an output folder, contended', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir('clipmill-lock-');
  });
  after(() => dir?.remove());

  for (const start of ['fresh', 'stale'] as const) {
    it(`gives a ${start} folder's lock to exactly one of ${RACERS} processes taking it at once`, async () => {
      const out = dir.file(start);
      await mkdir(out);
      if (start === 'stale') {
        const dead = spawn(process.execPath, ['-e', '0']);
        await new Promise((resolve) => dead.on('exit', resolve));
        await writeFile(path.join(out, LOCK_FILE), JSON.stringify({ pid: dead.pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
      }
      const { lines, children } = await race(out, dir.file(`go-${start}`));
      try {
        assert.equal(lines.filter((l) => l === 'held').length, 1, lines.join('\n'));
        for (const line of lines.filter((l) => l !== 'held')) assert.match(line, /^refused: Another clipmill run/);
      } finally {
        for (const child of children) child.stdin!.end();
        await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('close', r)))));
      }
      assert.deepEqual((await readdir(out)).filter((n) => n.startsWith(LOCK_FILE)), [], 'the lock and every draft of it are gone');
    });
  }
});
