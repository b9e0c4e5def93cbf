/**
 * Runs clipmill's shot analysis on videos the way `clipmill inspect <file> --json` does (probe,
 * then analyseVideo with the default config), one JSON line per file with the analysis time.
 *
 *   node --import tsx bench/shots/clipmill-runner.ts [--root DIR] FILE...
 *
 * --root loads clipmill from another checkout (e.g. an export of an earlier commit), so a
 * baseline and the current detector can be scored in the same run.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const at = args.indexOf('--root');
const root = at >= 0 ? path.resolve(args.splice(at, 2)[1]) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const load = (p: string) => import(pathToFileURL(path.join(root, p)).href);

const { defaultConfig } = await load('src/config/schema.ts');
const { probe } = await load('src/media/probe.ts');
const { analyseVideo } = await load('src/pipeline/analyse.ts');

const seg = defaultConfig().segment;
for (const file of args) {
  const info = await probe(file);
  const t0 = performance.now();
  const analysis = await analyseVideo(file, info, { analysisWidth: seg.analysisWidth, threshold: seg.threshold });
  const seconds = (performance.now() - t0) / 1000;
  const times = Array.from({ length: analysis.times.length }, (_, i) => analysis.times.at(i));
  process.stdout.write(JSON.stringify({ file, frames: analysis.times.length, transitions: analysis.transitions, times, seconds }) + '\n');
}
