/**
 * The content mix through the real CLI: categories from a manifest column, targets in the config,
 * achieved vs target in stats.json and `clipmill status`, and `--balance` thinning the over-full one.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reportData } from '../../src/report/report.js';
import { runCli } from '../helpers/cli.js';
import { queryIndex } from '../helpers/dataset.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const CATEGORIES = [...Array(6).fill('driving'), ...Array(3).fill('animals'), ...Array(3).fill('sports')];
const TARGETS = { driving: 0.34, animals: 0.33, sports: 0.33 };
/** Mandelbrot zooms into twelve different places: moving, sharp pictures, none a copy of another. */
const PLACES = [
  [-0.743643887037151, 0.13182590420533], [-0.235125, 0.827215], [-1.25066, 0.02012], [-0.1011, 0.9563],
  [0.285, 0.01], [-1.768, 0.001], [-0.7453, 0.1127], [0.001643721971153, -0.822467633298876],
  [-0.8, 0.156], [-0.1592, -1.0317], [0.3, 0.5], [-1.4, 0],
];

describe('content mix targets', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
    await mkdir(dir.file('in'));
    const rows = ['path,category'];
    for (const [i, category] of CATEGORIES.entries()) {
      const file = dir.file(`in/v${i}.mp4`);
      const [x, y] = PLACES[i];
      const zoom = `mandelbrot=s=160x90:r=25:start_x=${x}:start_y=${y}:start_scale=0.3:end_scale=0.01`;
      await ffmpeg(['-f', 'lavfi', '-i', zoom, '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
      rows.push(`${file},${category}`);
    }
    await writeFile(dir.file('manifest.csv'), rows.join('\n') + '\n');
    await writeFile(dir.file('config.json'), JSON.stringify({ pack: { mix: { targets: TARGETS } } }));
  });
  after(() => dir.remove());

  const run = (out: string, extra: string[] = []) =>
    runCli(['run', dir.file('manifest.csv'), '--out', out, '--config', dir.file('config.json'), '--allow-local', dir.file('in'), ...extra]);

  it('reports the achieved mix against the targets', async () => {
    const out = dir.file('plain');
    const res = await run(out);
    assert.equal(res.code, 0, res.stderr);
    const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8'));
    assert.deepEqual(stats.mix.targets, TARGETS);
    assert.equal(stats.mix.by_category.driving.clips, 6);
    assert.ok(Math.abs(stats.mix.by_category.driving.achieved - 0.5) < 0.01);
    assert.equal(stats.categories.animals.clips, 3);
    const status = await runCli(['status', out]);
    assert.match(status.stdout, /mix +driving 50% \(target 34%\)/);
    // The dashboard and datasheet show the targets the dataset was packed with.
    const { overview } = await reportData(out);
    const driving = overview.categories.find((c: { key: string }) => c.key === 'driving');
    assert.equal(driving?.target, 0.34);
  });

  it('--balance thins the over-full category by quality to within 5 points of every target', async () => {
    const out = dir.file('balanced');
    const res = await run(out, ['--balance']);
    assert.equal(res.code, 0, res.stderr);
    const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8'));
    for (const [category, target] of Object.entries(TARGETS)) {
      const achieved = stats.mix.by_category[category].achieved;
      assert.ok(Math.abs(achieved - target) <= 0.05, `${category}: ${achieved} vs ${target}`);
    }
    const rows = await queryIndex(out, (t) => `SELECT category, status, reason FROM ${t}`);
    const left = rows.filter((r) => r.reason === 'mix');
    assert.equal(left.length, 3);
    assert.ok(left.every((r) => r.category === 'driving' && r.status === 'dropped'));
    // The choice is the same on every run.
    const again = dir.file('balanced-again');
    await run(again, ['--balance']);
    const rows2 = await queryIndex(again, (t) => `SELECT clip_id FROM ${t} WHERE reason = 'mix' ORDER BY clip_id`);
    const rows1 = await queryIndex(out, (t) => `SELECT clip_id FROM ${t} WHERE reason = 'mix' ORDER BY clip_id`);
    assert.deepEqual(rows2, rows1);
  });
});
