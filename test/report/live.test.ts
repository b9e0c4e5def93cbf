/**
 * The dashboard of a run in progress: opened on an empty output folder before the run starts, it
 * follows the run as sources finish (the sources card and the throughput chart grow) and ends
 * showing the packed dataset. The run's own metrics endpoint parses strictly while it goes.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { PackStats } from '../../src/pack/index.js';
import { startCli } from '../helpers/cli.js';
import { recordFiles } from '../helpers/dataset.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { cardValue, launchBrowser, sourcesCharted, waitReady, watchedPage } from './browser.js';
import { inputAccess, makeInputs } from './fixture.js';
import { parsePrometheusText, total } from './prometheus-text.js';
import { startServe, type Served } from './serve.js';

const EXTRA = 4;
const SOURCES = 4 + EXTRA;

describe('the dashboard of a run in progress', { timeout: 900_000 }, () => {
  let dir: TempDir;
  let browser: Browser;
  let served: Served;
  let manifest: string;
  const out = () => dir.file('out');

  before(async () => {
    dir = await tempDir('clipmill-live-');
    await mkdir(dir.file('in'));
    manifest = await makeInputs(dir.file('in'), { extraShotVideos: EXTRA });
    await mkdir(out());
    browser = await launchBrowser();
    served = await startServe([out(), '--port', '0']);
  });

  after(async () => {
    await served?.stop();
    await browser?.close();
    await dir?.remove();
  });

  it('changes as sources finish, then shows the packed dataset', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(served.url);
    await waitReady(page);
    assert.equal(await cardValue(page, 'sources'), 0);

    // One source at a time, so sources finish one by one while the page polls.
    const run = startCli(['run', manifest, '--out', out(), '--workers', '1', '--metrics-port', '0', ...inputAccess(dir.file('in'))]);
    let stderr = '';
    run.child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    let exited = false;
    const finished = run.done.then((r) => ((exited = true), r));

    const seen = new Set<number>();
    const scrapes: number[] = [];
    while (!exited) {
      seen.add(await cardValue(page, 'sources'));
      const metricsUrl = /metrics at (http:\S+)/.exec(stderr)?.[1];
      const text = metricsUrl ? await fetch(metricsUrl).then((r) => r.text(), () => undefined) : undefined;
      if (text) scrapes.push(total(parsePrometheusText(text), 'clipmill_sources_total'));
      await new Promise((r) => setTimeout(r, 200));
    }
    const result = await finished;
    assert.equal(result.code, 0, result.stderr);

    // The page went through counts between none and all: it followed the run.
    const between = [...seen].filter((n) => n > 0 && n < SOURCES);
    assert.ok(between.length > 0, `values seen: ${[...seen].sort((a, b) => a - b)}`);
    assert.deepEqual(scrapes, [...scrapes].sort((a, b) => a - b), 'metrics counters never go down');
    assert.ok(scrapes.length > 0, 'the run served metrics while it went');

    // Then the packed dataset, figures as stats.json has them.
    const stats = JSON.parse(await readFile(path.join(out(), 'stats.json'), 'utf8')) as PackStats;
    await page.waitForFunction(() => /^packed/.test(document.querySelector('#status-line')?.textContent ?? ''), null, { timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelector('[data-total="kept"]')?.getAttribute('data-value') === String(n), stats.clips.kept);
    assert.equal(await cardValue(page, 'sources'), SOURCES);
    assert.equal(await sourcesCharted(page), SOURCES);
    assert.equal((await recordFiles(out())).length, SOURCES);
    assert.deepEqual(problems, []);
  });
});
