/**
 * clipmill as a published package: `npm pack`, the tarball installed into a project outside the
 * repository, examples/custom-pipeline type-checked there with tsc and run over a generated video
 * of a colourful shot and a grey one. The example's custom filter drops the grey clip, its
 * annotator tags the kept one: both known by construction.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readRecords } from '../helpers/dataset.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const exec = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = path.join(ROOT, 'examples/custom-pipeline');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const MINUTES = 60_000;

describe('the packed library in a project of its own', { timeout: 15 * MINUTES }, () => {
  let dir: TempDir;
  let project: string;
  before(async () => {
    dir = await tempDir('clipmill-package-');
    project = dir.file('project');
    await exec('bash', [path.join(ROOT, 'scripts/build.sh'), '--if-stale'], { cwd: ROOT });
    // Built just above; --ignore-scripts keeps npm from rebuilding dist/ under other tests' feet.
    const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', dir.path, '--json'], { cwd: ROOT, maxBuffer: 1 << 26 });
    const tarball = path.join(dir.path, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
    await cp(EXAMPLE, project, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.endsWith('/dist') });
    // The example as its author ships it, with clipmill from the tarball; the compiler and Node's
    // types come from this repository, so only clipmill's runtime dependencies are installed.
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'example', private: true, type: 'module' }));
    await exec('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, maxBuffer: 1 << 26 });
  });
  after(async () => dir?.remove());

  it('type-checks and builds the example against the installed .d.ts', async () => {
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({
      extends: path.join(EXAMPLE, 'tsconfig.json'),
      compilerOptions: { rootDir: path.join(project, 'src'), outDir: path.join(project, 'dist'), typeRoots: [path.join(ROOT, 'node_modules/@types')] },
      include: [path.join(project, 'src')],
    }));
    await exec(process.execPath, [TSC, '-p', path.join(project, 'tsconfig.json')], { cwd: project });
    assert.deepEqual((await readdir(path.join(project, 'dist'))).filter((f) => f.endsWith('.js')).sort(), ['bitrate-tag.js', 'min-colorfulness.js', 'pipeline.js']);
    const installed = await readdir(path.join(project, 'node_modules'));
    assert.ok(!installed.includes('typescript') && !installed.includes('tsx'), 'no compiler is installed with clipmill');
    const { stdout: help } = await exec(path.join(project, 'node_modules/.bin/clipmill'), ['--help'], { cwd: project });
    assert.match(help, /Usage: clipmill/, 'the installed command runs');
  });

  it('runs the example pipeline: the custom filter drops the grey clip, the annotator tags the kept one', async () => {
    const video = dir.file('colour-then-grey.mp4');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25', '-f', 'lavfi', '-i', 'mandelbrot=s=320x180:r=25',
      '-filter_complex', '[0:v]trim=end_frame=50,setpts=PTS-STARTPTS,format=yuv420p[a];[1:v]trim=end_frame=50,setpts=PTS-STARTPTS,hue=s=0,format=yuv420p[b];[a][b]concat=n=2:v=1:a=0[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', video,
    ]);
    const out = dir.file('out');
    const { stdout } = await exec(process.execPath, [path.join(project, 'dist/pipeline.js'), video, out], { cwd: project, env: { ...process.env, CI: '1' } });
    assert.deepEqual(JSON.parse(stdout), { done: 1, clipsKept: 1, shards: 1 });
    const [record] = await readRecords(out);
    const [colour, grey] = record!.clips;
    assert.equal(colour!.status, 'kept');
    assert.ok(typeof colour!.metadata?.kbps === 'number' && colour!.metadata.kbps > 0, JSON.stringify(colour!.metadata));
    assert.equal(grey!.status, 'dropped');
    assert.match(grey!.reason!, /^dull: colorfulness=[\d.e-]+ < 5$/);
  });
});
