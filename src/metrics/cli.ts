/** `--metrics-port` / `--metrics-host` of `clipmill run` and `clipmill worker`. */
import { FatalError } from '../errors.js';
import type { MetricsFlags } from './options.js';
import { PipelineMetrics } from './pipeline-metrics.js';
import { startMetricsServer, type MetricsServer } from './server.js';

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
