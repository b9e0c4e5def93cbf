/**
 * The HTML of the dashboard and of the report: the same sections, filled in by the same script
 * (client/app.js). The dashboard links its script, styles and uPlot from the server; the report
 * carries them inline with its data, so the file opens anywhere without a network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const uplotDir = path.dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

/** The page's static assets, by the name the dashboard serves them under. */
export const ASSETS: Record<string, { file: string; type: string }> = {
  'uplot.js': { file: path.join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.css': { file: path.join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'app.js': { file: path.join(here, 'client', 'app.js'), type: 'text/javascript; charset=utf-8' },
  'style.css': { file: path.join(here, 'client', 'style.css'), type: 'text/css; charset=utf-8' },
};

export const readAsset = (name: string): string => readFileSync(ASSETS[name]!.file, 'utf8');

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers). */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const section = (id: string, title: string, extra = ''): string => `<section id="${id}-section"${extra}><h2>${title}</h2><div id="${id}"></div></section>`;

const DATASHEET = `
${section('collected', 'How it was collected')}
${section('duplicates', 'Duplicates removed')}
${section('limitations', 'Known limitations')}
${section('attribution', 'Attribution')}`;

function body(title: string, dir: string, datasheet: boolean): string {
  return `<header><h1>${escapeHtml(title)}</h1><span class="dir">${escapeHtml(dir)}</span><span class="status"><span id="status-line"></span> · <span id="updated"></span></span></header>
<main>
<div id="totals"></div>
<section id="detail"></section>
${section('throughput', 'Throughput over time')}
<div class="row">${section('stages', 'Time per stage (summed over sources)')}${section('queue', 'Queue', ' hidden')}</div>
<div class="row">${section('failures', 'Failures by code')}${section('refusals', 'Refusals by reason')}</div>
${section('filters', 'What each filter dropped')}
<div class="row">${section('licences', 'Licence mix')}${section('categories', 'Content mix')}</div>
<div class="row">${section('hosts', 'Hosts')}${section('resolutions', 'Resolutions of kept clips')}</div>
${section('histograms', 'Clip measures (kept and dropped)')}
${datasheet ? DATASHEET : ''}
<section id="clips-section"><h2>Clips <span id="grid-count" class="note"></span></h2><div id="grid-controls"></div><div id="grid" class="grid"></div><div id="grid-pages" class="controls"></div></section>
</main>`;
}

/** The dashboard page; its assets are fetched from the server (relative URLs). */
export function dashboardPage(dir: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>clipmill · ${escapeHtml(path.basename(dir))}</title>
<link rel="stylesheet" href="assets/uplot.css"><link rel="stylesheet" href="assets/style.css">
<script src="assets/uplot.js"></script><script src="assets/app.js"></script></head>
<body>${body('clipmill dashboard', dir, false)}</body></html>
`;
}

/** The report: one file, everything inline (data, pictures as data: URLs, scripts, styles). */
export function reportPage(dir: string, data: unknown): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>Datasheet · ${escapeHtml(path.basename(dir))}</title>
<style>${readAsset('uplot.css')}</style><style>${readAsset('style.css')}</style>
<script>${readAsset('uplot.js')}</script>
<script id="clipmill-data" type="application/json">${scriptJson(data)}</script>
<script>${readAsset('app.js').replace(/<\/script/gi, '<\\/script')}</script></head>
<body>${body('Datasheet', dir, true)}</body></html>
`;
}
