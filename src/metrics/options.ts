/** `--metrics-port` / `--metrics-host` of `clipmill run` and `clipmill worker` (light: no metrics library loaded). */
import { Option } from 'commander';
import { integer } from '../cli/options.js';

export interface MetricsFlags {
  metricsPort?: number;
  metricsHost: string;
}

export const metricsPortOption = (): Option => new Option('--metrics-port <n>', 'serve Prometheus metrics on this port at /metrics').argParser(integer);
export const metricsHostOption = (): Option =>
  new Option('--metrics-host <address>', 'address of the metrics endpoint (0.0.0.0 to let a Prometheus elsewhere scrape it)').default('127.0.0.1');
