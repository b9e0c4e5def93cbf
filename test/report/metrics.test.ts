/**
 * Prometheus metrics against stats.json: a `clipmill worker --metrics-port` that processed a
 * whole queued run, and a local run with its metrics endpoint. A strict text-format parser must
 * accept every scrape, and the counts must be the run's.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/schema.js';
import { MeteredProgress } from '../../src/metrics/observe.js';
import { PipelineMetrics } from '../../src/metrics/pipeline-metrics.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import type { PackStats } from '../../src/pack/index.js';
import { runDataset } from '../../src/pipeline/run.js';
import type { QueueStatus } from '../../src/executors/bullmq.js';
import { startDashboard } from '../../src/report/server.js';
import { runCli, startCli } from '../helpers/cli.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { startRedis, until, type TestRedis } from '../helpers/redis.js';
import { inputAccess, makeInputs, QUEUE_ENV } from './fixture.js';
import { parsePrometheusText, total, type Sample } from './prometheus-text.js';

/** Serves the files of `dir` over http on loopback, so one source is a real download. */
async function fileServer(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const file = path.join(dir, path.basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const info = await stat(file).catch(() => undefined);
    if (!info) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(info.size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const scrape = async (url: string): Promise<Sample[]> => parsePrometheusText(await (await fetch(url)).text());

/** Every figure the metrics share with stats.json (clip counts are those of the per-source filters). */
function assertMatchesStats(samples: Sample[], stats: PackStats): void {
  assert.equal(total(samples, 'clipmill_sources_total'), stats.sources.total);
  assert.equal(total(samples, 'clipmill_sources_total', { status: 'done' }), stats.sources.done);
  assert.equal(total(samples, 'clipmill_sources_total', { status: 'refused' }), stats.sources.refused);
  for (const [code, n] of Object.entries(stats.sources.by_error_code)) {
    assert.equal(total(samples, 'clipmill_sources_total', { status: 'failed', code }), n, code);
  }
  // Pack drops duplicates and missing files after the sources; the rest of the drops are the sources'.
  const packDrops = (stats.clips.dropped_by_reason.duplicate ?? 0) + (stats.clips.dropped_by_reason.missing_file ?? 0);
  assert.equal(total(samples, 'clipmill_clips_total', { status: 'kept' }), stats.clips.kept + packDrops);
  for (const [reason, n] of Object.entries(stats.clips.dropped_by_reason)) {
    if (reason === 'duplicate' || reason === 'missing_file') continue;
    assert.equal(total(samples, 'clipmill_clips_total', { status: 'dropped', reason }), n, reason);
  }
  assert.ok(Math.abs(total(samples, 'clipmill_video_seconds_total') - stats.hours.source_video_hours * 3600) < 1e-6);
  assert.equal(total(samples, 'clipmill_bytes_downloaded_total'), stats.bytes_downloaded);
  assert.ok(stats.bytes_downloaded > 0, 'one source was downloaded');
  assert.equal(total(samples, 'clipmill_stage_duration_seconds_count', { stage: 'total' }), stats.sources.total);
  assert.ok(Math.abs(total(samples, 'clipmill_stage_duration_seconds_sum', { stage: 'total' }) - stats.timings.total!) < 1e-6);
}

describe('Prometheus metrics', { timeout: 900_000 }, () => {
  let dir: TempDir;
  let server: { url: string; close: () => Promise<void> };
  let manifest: string;

  before(async () => {
    dir = await tempDir('clipmill-metrics-');
    const media = dir.file('in');
    await mkdir(media);
    manifest = await makeInputs(media);
    server = await fileServer(media);
    // The copy is fetched over http, so bytes_downloaded is not zero.
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, text.replace('\ncopy.mp4,', `\n${server.url}/copy.mp4,`));
  });

  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  describe('of a worker', () => {
    let redis: TestRedis;
    before(async () => {
      redis = await startRedis();
    });
    after(async () => {
      await redis?.stop();
    });

    it('count what the worker processed, as stats.json does', async () => {
      const worker = startCli(['worker', '--queue', redis.url, '--concurrency', '2', '--metrics-port', '0', '--out-root', dir.path, ...inputAccess(dir.file('in'))], QUEUE_ENV);
      let log = '';
      worker.child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
      try {
        await until(async () => /worker ready/.test(log), 60_000);
        const url = /metrics at (http:\S+)/.exec(log)?.[1];
        assert.ok(url, log);
        assert.equal(total(await scrape(url), 'clipmill_sources_total'), 0);

        const out = dir.file('queued');
        const run = await runCli(['run', manifest, '--out', out, '--queue', redis.url], QUEUE_ENV);
        assert.equal(run.code, 0, run.stderr);
        const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8')) as PackStats;
        assertMatchesStats(await scrape(url), stats);

        // The dashboard of the queued run shows the queue: the worker, and the run's jobs all processed.
        const dashboard = await startDashboard({ dir: out, host: '127.0.0.1', port: 0, queueUrl: redis.url });
        try {
          const { queue } = (await (await fetch(`${dashboard.url}api/overview`)).json()) as { queue: QueueStatus };
          assert.equal(queue.workers.length, 1);
          assert.equal(queue.run?.processed, stats.sources.total);
          assert.equal(queue.run?.pack, 'completed');
        } finally {
          await dashboard.close();
        }
      } finally {
        worker.child.kill('SIGTERM');
        await worker.done;
      }
    });
  });

  it('of a local run count the run, as stats.json does', async () => {
    const metrics = new PipelineMetrics();
    const endpoint = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
    try {
      const out = dir.file('local');
      const progress = new MeteredProgress(metrics);
      await runDataset({ inputs: [manifest], outDir: out, cfg: defaultConfig(), progress, allowLocal: [dir.file('in')], allowPrivateNetwork: true });
      const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8')) as PackStats;
      assertMatchesStats(await scrape(endpoint.url), stats);
    } finally {
      await endpoint.close();
    }
  });
});
