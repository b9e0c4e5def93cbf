/**
 * A finished dataset, made by a real `clipmill run`, seen the way a person sees it: the dashboard
 * in chromium (numbers against stats.json, grid filters, a clip that plays, a source page), the
 * token on a non-default bind, report.html opened from file:// with every network request
 * refused, and the dataset card pack wrote (README.md front matter, croissant.json).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { after, before, describe, it } from 'node:test';
import type { PackStats } from '../../src/pack/index.js';
import { hubLicense } from '../../src/pack/card.js';
import { runCli } from '../helpers/cli.js';
import { listShards, queryIndex } from '../helpers/dataset.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { barValues, cardValue, chartData, launchBrowser, sourcesCharted, sum, waitReady, watchedPage } from './browser.js';
import { inputAccess, makeInputs } from './fixture.js';
import { startServe, type Served } from './serve.js';

/**
 * Screenshots are test artefacts: written to $CLIPMILL_TEST_ARTIFACTS (default: a folder in the OS
 * temp dir); `UPDATE_SCREENSHOTS=1 npm test` refreshes the README's pictures in docs/ instead.
 */
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1'
  ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs')
  : (process.env.CLIPMILL_TEST_ARTIFACTS ?? path.join(os.tmpdir(), 'clipmill-test-artifacts'));

describe('a finished dataset: dashboard, report and dataset card', { timeout: 900_000 }, () => {
  let dir: TempDir;
  let out: string;
  let stats: PackStats;
  let browser: Browser;
  let served: Served;

  before(async () => {
    dir = await tempDir('clipmill-report-');
    await mkdir(dir.file('in'));
    const manifest = await makeInputs(dir.file('in'));
    out = dir.file('out');
    const run = await runCli(['run', manifest, '--out', out, '--workers', '2', ...inputAccess(dir.file('in'))]);
    assert.equal(run.code, 0, run.stderr);
    stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8')) as PackStats;
    // The fixture is built to exercise every section: a failure, a filter, duplicates.
    assert.equal(stats.sources.by_error_code.not_a_video, 1);
    assert.ok((stats.clips.dropped_by_reason.duplicate ?? 0) > 0, JSON.stringify(stats.clips));
    browser = await launchBrowser();
    served = await startServe([out, '--port', '0']);
  });

  after(async () => {
    await served?.stop();
    await browser?.close();
    await dir?.remove();
  });

  /** Figures every view must show: from stats.json, which pack wrote. */
  async function checkFigures(page: import('playwright-core').Page): Promise<void> {
    assert.equal(await cardValue(page, 'sources'), stats.sources.total);
    assert.equal(await cardValue(page, 'kept'), stats.clips.kept);
    assert.equal(await cardValue(page, 'dropped'), stats.clips.dropped);
    assert.deepEqual(await barValues(page, 'failures'), stats.sources.by_error_code);
    assert.deepEqual(await barValues(page, 'filters'), stats.clips.dropped_by_reason);
    // stats.json lists the licences of kept clips; the page also lists licences of sources with none kept.
    const licences = Object.fromEntries(Object.entries(await barValues(page, 'licences', 'data-clips')).filter(([, n]) => n > 0));
    assert.deepEqual(licences, Object.fromEntries(Object.entries(stats.licences).map(([l, t]) => [l, t.clips])));
    const stages = await barValues(page, 'stages');
    assert.ok(Math.abs(stages.total! - stats.timings.total!) < 0.01, `${stages.total} vs ${stats.timings.total}`);

    const charts = await chartData(page);
    const [, kept, dropped] = charts['hist-duration']!;
    assert.equal(sum(kept!), stats.clips.kept);
    assert.equal(sum(dropped!), stats.clips.dropped);
    // The per-bucket rates times the bucket length give back every source.
    assert.equal(await sourcesCharted(page), stats.sources.total);
    // Every chart was drawn onto a canvas.
    const canvases = await page.$$eval('figure.chart', (figures) => figures.map((f) => f.querySelector('canvas')?.width ?? 0));
    assert.equal(canvases.length, Object.keys(charts).length);
    assert.ok(canvases.every((w) => w > 0));
  }

  it('the dashboard shows the run\'s real numbers, filters its grid, plays a clip and drills into a source', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(served.url);
    await waitReady(page);
    await checkFigures(page);

    // Grid: all clips, then only dropped ones, then only duplicates.
    const tiles = () => page.$$eval('#grid .tile', (nodes) => nodes.map((n) => ({ status: n.getAttribute('data-status'), filter: n.getAttribute('data-filter') })));
    assert.equal((await tiles()).length, stats.clips.total);
    await page.selectOption('select[name=status]', 'dropped');
    await page.waitForFunction((n) => document.querySelectorAll('#grid .tile').length === n, stats.clips.dropped);
    assert.ok((await tiles()).every((t) => t.status === 'dropped'));
    await page.selectOption('select[name=filter]', 'duplicate');
    await page.waitForFunction((n) => document.querySelectorAll('#grid .tile').length === n, stats.clips.dropped_by_reason.duplicate!);
    assert.ok((await tiles()).every((t) => t.filter === 'duplicate'));
    await page.selectOption('select[name=status]', 'kept');
    await page.selectOption('select[name=filter]', '');
    await page.waitForFunction((n) => document.querySelectorAll('#grid .tile').length === n, stats.clips.kept);
    // Every kept clip's picture was made (ffmpeg, on demand) and decoded by the browser.
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#grid img')].every((img) => img.complete && img.naturalWidth > 0), null, { timeout: 120_000 });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });

    // A clip page plays its clip (served with Range requests).
    await page.click('#grid .tile.kept');
    await page.waitForSelector('#clip-video');
    await page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('#clip-video');
      return v !== null && v.readyState >= 2 && v.currentTime > 0;
    }, null, { timeout: 60_000 });
    assert.match(await page.textContent('#detail') ?? '', /CC-BY-4\.0/);

    // Source drill-down from the failures list.
    const failedId = await page.$eval('[data-chart="failures"] a', (a) => decodeURIComponent(a.getAttribute('href')!.split('/').pop()!));
    await page.goto(`${served.url}#/source/${failedId}`);
    await page.waitForFunction(() => /not_a_video/.test(document.querySelector('#detail')?.textContent ?? ''));
    assert.deepEqual(problems, []);
  });

  it('serves only files of the dataset, and clips with Range support', async () => {
    const status = async (p: string) => (await fetch(new URL(p, served.base))).status;
    assert.equal(await status('media/..%2F..%2F..%2Fetc%2Fpasswd'), 404);
    assert.equal(await status('media/%2Fetc%2Fpasswd'), 404);
    assert.equal(await status('assets/..%2F..%2Fpackage.json'), 404);
    assert.equal(await status('assets/constructor'), 404);
    assert.equal(await status('media/%E0%A4%A'), 404);
    assert.equal(await status('picture/no-such-clip.jpg'), 404);
    const [row] = await queryIndex(out, (t) => `SELECT clip_id, bytes FROM ${t} WHERE status = 'kept' LIMIT 1`);
    const res = await fetch(new URL(`media/${row!.clip_id}`, served.base), { headers: { range: 'bytes=0-99' } });
    assert.equal(res.status, 206);
    const head = Buffer.from(await res.arrayBuffer());
    assert.equal(head.byteLength, 100);
    assert.equal(head.subarray(4, 8).toString('latin1'), 'ftyp', 'the clip itself, served from inside its shard');
    assert.match(res.headers.get('content-range') ?? '', /^bytes 0-99\/\d+$/);
    // A page elsewhere cannot reach the loopback dashboard through DNS rebinding.
    const rebound = await new Promise<number>((resolve, reject) =>
      http.get(served.base, { headers: { host: 'attacker.example' } }, (res) => resolve(res.resume().statusCode!)).on('error', reject));
    assert.equal(rebound, 403);
  });

  it('off 127.0.0.1 it answers nothing without the token', async () => {
    const open = await startServe([out, '--host', '127.0.0.2', '--port', '0']);
    try {
      assert.ok(open.token, 'a token is printed');
      for (const p of ['', 'api/overview', 'api/clips', 'assets/app.js', `media/x`, 'picture/x.jpg']) {
        const res = await fetch(new URL(p, open.base));
        assert.equal(res.status, 401, p);
        assert.doesNotMatch(await res.text(), /clipmill dashboard|"totals"/);
      }
      assert.equal((await fetch(new URL('api/overview?token=wrong', open.base))).status, 401);
      assert.equal((await fetch(new URL('api/overview', open.base), { headers: { authorization: `Bearer ${open.token}` } })).status, 200);
      // In the browser, the printed URL works (its token becomes a cookie for the page's requests).
      const { page, problems } = await watchedPage(browser);
      await page.goto(open.url);
      await waitReady(page);
      assert.equal(await cardValue(page, 'sources'), stats.sources.total);
      assert.deepEqual(problems, []);
    } finally {
      await open.stop();
    }
  });

  it('report.html opens from file:// with no network and shows the same datasheet', async () => {
    // Content-mix targets: weights per category, normalised to shares of kept hours.
    const targets = dir.file('targets.json');
    await writeFile(targets, JSON.stringify({ patterns: 1, bars: 1, nature: 2 }));
    const written = await runCli(['report', out, '--targets', targets]);
    assert.equal(written.code, 0, written.stderr);
    const file = written.stdout.trim();
    assert.equal(file, path.join(out, 'report.html'));

    const { page, problems } = await watchedPage(browser);
    const refused: string[] = [];
    await page.context().route('**/*', (route) => {
      if (route.request().url().startsWith('file:')) return route.continue();
      refused.push(route.request().url());
      return route.abort();
    });
    await page.context().setOffline(true);
    await page.goto(pathToFileURL(file).href);
    await waitReady(page);
    await checkFigures(page);
    assert.deepEqual(refused, [], 'the report asked for nothing over the network');

    // Datasheet sections: how it was collected, duplicates, limitations, attribution.
    assert.match(await page.textContent('#collected') ?? '', /clipmill run .*manifest\.csv/);
    const duplicates = await page.$eval('[data-duplicates]', (n) => Number(n.getAttribute('data-duplicates')));
    assert.equal(duplicates, stats.clips.dropped_by_reason.duplicate);
    assert.ok((await page.$$('#limitations li')).length >= 3);
    assert.match(await page.textContent('#attribution') ?? '', /CC-BY-4\.0/);
    // Every kept clip shows patterns; each category's target stands beside the share it reached.
    assert.deepEqual(await barValues(page, 'categories', 'data-target'), { patterns: 0.25, bars: 0.25, nature: 0.5 });
    assert.deepEqual(await barValues(page, 'categories', 'data-share'), { patterns: 1, bars: 0, nature: 0 });
    // Pictures are inline and decode; the grid filters as on the dashboard.
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img')].every((img) => img.complete && img.naturalWidth > 0));
    await page.selectOption('select[name=status]', 'dropped');
    await page.waitForFunction((n) => document.querySelectorAll('#grid .tile').length === n, stats.clips.dropped);
    await page.selectOption('select[name=status]', '');
    await page.screenshot({ path: path.join(SHOTS, 'report.png'), fullPage: true });
    // A clip page works offline too: metadata and provenance, from the inline data.
    await page.click('#grid .tile');
    await page.waitForFunction(() => /sha256/.test(document.querySelector('#detail')?.textContent ?? ''));
    assert.deepEqual(problems, []);
  });

  it('pack wrote a Hugging Face dataset card and a Croissant file that describe the files', async () => {
    const readme = await readFile(path.join(out, 'README.md'), 'utf8');
    const yaml = /^---\n([\s\S]*?)\n---\n/.exec(readme)?.[1];
    assert.ok(yaml, 'README.md starts with YAML front matter');
    const card = await parseYaml(yaml!);
    const licences = [...new Set(Object.keys(stats.licences).map(hubLicense))].sort();
    assert.deepEqual([card.license].flat(), licences);
    assert.deepEqual(card.size_categories, ['n<1K']);
    const configs = Object.fromEntries(card.configs.map((c) => [c.config_name, c.data_files[0]!.path]));
    assert.equal(configs.index, 'index/parts/*.parquet');
    const shards = (await listShards(out)).map((s) => path.relative(out, s));
    const glob = new RegExp(`^${configs.default!.split('*').map((part) => part.replace(/[.]/g, '\\.')).join('[^/]*')}$`);
    assert.ok(shards.length > 0 && shards.every((s) => glob.test(s)), `${configs.default} matches ${shards}`);

    const croissant = JSON.parse(await readFile(path.join(out, 'croissant.json'), 'utf8'));
    assert.equal(croissant['@type'], 'sc:Dataset');
    assert.equal(croissant.conformsTo, 'http://mlcommons.org/croissant/1.0');
    const index = croissant.distribution.find((d: { '@id': string }) => d['@id'] === 'index');
    assert.equal(index['@type'], 'cr:FileSet');
    assert.equal(index.includes, 'index/parts/*.parquet');
    const parts = (await readdir(path.join(out, 'index/parts'))).filter((n) => n.endsWith('.parquet'));
    assert.ok(parts.length > 0, 'the glob names the index parts');
    const columns = (await queryIndex(out, (t) => `DESCRIBE SELECT * FROM ${t}`)).map((r) => r.column_name);
    assert.deepEqual(croissant.recordSet[0].field.map((f: { name: string }) => f.name), columns);
  });
});

/** Parsed by a real YAML parser: Debian's python3-yaml. */
interface CardYaml {
  license: string | string[];
  size_categories: string[];
  configs: { config_name: string; data_files: { path: string }[] }[];
}

async function parseYaml(yaml: string): Promise<CardYaml> {
  const child = execFile('/usr/bin/python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))']);
  const output = new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (b) => (text += b));
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`python3 yaml exited ${code}`))));
  });
  child.stdin!.end(yaml);
  return JSON.parse(await output);
}
