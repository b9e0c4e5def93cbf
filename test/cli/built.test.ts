/**
 * The compiled command (bin/clipmill.js → dist/): it starts without a TypeScript compiler,
 * `--help` loads only the command-line parser, none of the heavy packages the commands need, and
 * the files its modules read (the verifier's model, the page assets) are beside them in dist/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cutVideo, tempDir } from '../helpers/media.js';

const exec = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/clipmill.js');
const HEAVY = ['bullmq', 'ioredis', '@tensorflow', 'nsfwjs', 'hyparquet', '@duckdb', 'zod', 'tsx', 'typescript', 'tar-stream', 'csv-parse'];

describe('compiled clipmill command', () => {
  before(async () => {
    await exec('bash', [path.join(ROOT, 'scripts/build.sh'), '--if-stale'], { cwd: ROOT });
  }, { timeout: 300_000 });

  it('--help loads no compiler and no heavy package', async () => {
    const dir = await tempDir('clipmill-help-');
    try {
      const trace = dir.file('imports.txt');
      const { stdout } = await exec(process.execPath, ['--import', path.join(ROOT, 'test/helpers/trace-imports.mjs'), BIN, '--help'], {
        env: { ...process.env, CLIPMILL_TRACE_IMPORTS: trace },
      });
      assert.match(stdout, /Usage: clipmill/);
      assert.match(stdout, /run \[options\] <inputs\.\.\.>/);
      const loaded = (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      const packages = new Set(loaded.map(packageOf));
      assert.ok(packages.has('commander'), `commander was loaded: ${[...packages].join(', ')}`);
      for (const heavy of HEAVY) assert.ok(![...packages].some((p) => p === heavy || p.startsWith(`${heavy}/`)), `--help loaded ${heavy}`);
    } finally {
      await dir.remove();
    }
  });

  it('runs a command from dist/', async () => {
    const { stdout } = await exec(process.execPath, [BIN, 'inspect', '--help']);
    assert.match(stdout, /Usage: clipmill inspect/);
  });

  it('inspects a video from dist/ with the shipped boundary verifier, and with --rules-only', async () => {
    const dir = await tempDir('clipmill-built-inspect-');
    try {
      const video = dir.file('cuts.mp4');
      await cutVideo(video, [{ source: 'testsrc2', frames: 60 }, { source: 'mandelbrot', frames: 75 }], '320x180');
      for (const flags of [[], ['--rules-only']]) {
        const { stdout } = await exec(process.execPath, [BIN, 'inspect', '--json', ...flags, video]);
        const result = JSON.parse(stdout) as { transitions: { kind: string; startFrame: number }[] };
        assert.deepEqual(result.transitions.map((t) => [t.kind, t.startFrame]), [['cut', 60]], `inspect ${flags.join(' ')}`);
      }
    } finally {
      await dir.remove();
    }
  });

  it('finds the files its modules read at run time in dist/ (the datasheet inlines the page assets)', async () => {
    const dir = await tempDir('clipmill-built-report-');
    try {
      await writeFile(dir.file('.clipmill-output'), '');
      const { stdout } = await exec(process.execPath, [BIN, 'report', dir.path]);
      assert.equal(stdout.trim(), dir.file('report.html'));
      const html = await readFile(dir.file('report.html'), 'utf8');
      const css = await readFile(path.join(ROOT, 'src/report/client/style.css'), 'utf8');
      assert.ok(html.includes(css.trim().split('\n')[0]!), 'the page styles are inlined');
    } finally {
      await dir.remove();
    }
  });
});

/** `@scope/name` or `name` of a module URL inside node_modules. */
function packageOf(url: string): string {
  const parts = url.split('/node_modules/').pop()!.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}
