/**
 * Debian's chromium driven headless through playwright-core (which never downloads a browser),
 * with every console error, page error and failed request of a page collected for the test.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CLIPMILL_CHROMIUM ?? '/usr/bin/chromium';

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed requests, as text. */
  problems: string[];
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url().slice(0, 120)} ${r.failure()?.errorText ?? ''}`));
  return { page, problems };
}

/** Waits until app.js has drawn the page once. */
export const waitReady = (page: Page): Promise<unknown> =>
  page.waitForFunction(() => (window as unknown as { clipmill?: { ready?: boolean } }).clipmill?.ready === true, null, { timeout: 120_000 });

/** The data arrays behind each uPlot chart, by chart id. */
export const chartData = (page: Page): Promise<Record<string, number[][]>> =>
  page.evaluate(() => {
    const charts = (window as unknown as { clipmill: { charts: Record<string, { data: number[][] }> } }).clipmill.charts;
    return Object.fromEntries(Object.entries(charts).map(([id, c]) => [id, c.data]));
  });

/** Sources per bucket of the sources-per-minute chart, from its rates and its bucket length. */
export const sourcesCharted = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const chart = (window as unknown as { clipmill: { charts: Record<string, { data: number[][]; bucketSec: number }> } }).clipmill.charts['sources-per-min']!;
    return Math.round(chart.data[1]!.reduce((a, b) => a + b, 0) * (chart.bucketSec / 60));
  });

/** data-key -> data-value of the bars of a chart (or rows of a table) named `name`. */
export const barValues = (page: Page, name: string, attribute = 'data-value'): Promise<Record<string, number>> =>
  page.evaluate(([chart, attr]) => {
    const out: Record<string, number> = {};
    document.querySelectorAll(`[data-chart="${chart}"] [data-key]`).forEach((node) => {
      out[node.getAttribute('data-key')!] = Number(node.getAttribute(attr));
    });
    return out;
  }, [name, attribute] as const);

/** The number shown by a totals card. */
export const cardValue = (page: Page, key: string): Promise<number> =>
  page.$eval(`[data-total="${key}"]`, (node) => Number(node.getAttribute('data-value')));

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
