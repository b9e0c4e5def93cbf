/** `--metrics-port` / `--metrics-host` of `clipmill run` and `clipmill worker`. */
import { Option } from 'commander';
import { FatalError } from '../errors.js';
import { integer } from '../cli/options.js';
import { PipelineMetrics } from './pipeline-metrics.js';
import { startMetricsServer, type MetricsServer } from './server.js';

export interface MetricsFlags {
  metricsPort?: number;
  metricsHost: string;
}

export const metricsPortOption = (): Option => new Option('--metrics-port <n>', 'serve Prometheus metrics on this port at /metrics').argParser(integer);
export const metricsHostOption = (): Option =>
  new Option('--metrics-host <address>', 'address of the metrics endpoint (0.0.0.0 to let a Prometheus elsewhere scrape it)').default('127.0.0.1');

/** Metrics and their endpoint when --metrics-port was given; undefined otherwise. */
export async function startMetricsIfAsked(flags: MetricsFlags, log: (message: string) => void): Promise<{ metrics: PipelineMetrics; server: MetricsServer } | undefined> {
  if (flags.metricsPort === undefined) return undefined;
  const metrics = new PipelineMetrics();
  const server = await startMetricsServer(metrics, { host: flags.metricsHost, port: flags.metricsPort }).catch((err: Error) => {
    throw new FatalError(`cannot serve metrics on ${flags.metricsHost}:${flags.metricsPort}: ${err.message}`);
  });
  log(`metrics at ${server.url}`);
  return { metrics, server };
}
