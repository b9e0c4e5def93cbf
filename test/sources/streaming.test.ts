/**
 * Manifests stream: bench/manifest-stream.ts writes a generated manifest into a named pipe and
 * holds back everything after the first rows until readInputs() has produced a source. A reader
 * that needed the whole file would never produce one, so streaming is proved, not timed. The
 * benchmark runs in its own process: node:test's promise tracking would otherwise triple the cost
 * of a million rows, and it needs --expose-gc for a clean memory figure.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const bench = fileURLToPath(new URL('../../bench/manifest-stream.ts', import.meta.url));

interface BenchResult {
  rows: number;
  sources: number;
  errors: number;
  gateAfterRows: number;
  firstSourceAfterRows: number;
  peakGrowthBytes: number;
}

async function runBench(args: string[]): Promise<BenchResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', bench, ...args], { timeout: 120_000 });
  return JSON.parse(stdout) as BenchResult;
}

for (const format of ['jsonl', 'json']) {
  test(`${format}: the first source arrives before the manifest is fully written`, async () => {
    const r = await runBench(['--format', format, '--rows', '30000', '--gate', '100']);
    assert.equal(r.firstSourceAfterRows, 100);
    assert.equal(r.errors, 0);
    assert.equal(r.sources, r.rows);
  });
}

test('a one-million-row CSV manifest streams with flat memory', async () => {
  const r = await runBench(['--format', 'csv', '--rows', '1000000', '--gate', '1000']);
  assert.equal(r.firstSourceAfterRows, 1000, 'the first source came before the rest of the file was written');
  assert.equal(r.sources, 1_000_000);
  assert.equal(r.errors, 0);
  const mib = r.peakGrowthBytes / 2 ** 20;
  console.log(`# 1M-row CSV: peak heap+arrayBuffers growth ${mib.toFixed(1)} MiB`);
  // The dedupe set holds a 16 MiB table for a million ids (24 MiB while it grows); rows must not pile up.
  assert.ok(mib < 100, `memory grew by ${mib.toFixed(1)} MiB`);
});
