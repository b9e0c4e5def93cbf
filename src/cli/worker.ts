/** `clipmill worker`: takes jobs of distributed runs from a Redis queue until stopped. */
import type { Command } from 'commander';
import { allowLocalOption, allowPrivateNetworkOption, integer, number, hwaccelOption, s3EndpointOption } from './options.js';
import { metricsHostOption, metricsPortOption, type MetricsFlags } from '../metrics/options.js';

interface WorkerFlags extends MetricsFlags {
  queue: string;
  concurrency: number;
  lockSec: number;
  hwaccel?: 'cuda';
  s3Endpoint?: string;
  allowLocal?: string[];
  allowPrivateNetwork?: boolean;
  outRoot: string;
  ytDlp?: string;
  optOut?: string[];
  embedModel?: string;
  s3Allow?: string[];
  staging?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Process jobs of runs enqueued with `clipmill run --queue`, on this machine, until stopped (SIGTERM/SIGINT: finish current jobs; twice: hand them back now).')
    .requiredOption('-q, --queue <url>', 'Redis URL of the queue, e.g. redis://:password@host:6379 (rediss:// for TLS)')
    .requiredOption('--out-root <dir>', 'runs may write only below this folder (the shared storage); others are refused')
    .option('--yt-dlp <path>', 'yt-dlp executable (default yt-dlp); never taken from the queue')
    .option('--opt-out <file...>', 'opt-out list(s) this worker applies; never taken from the queue')
    .option('--embed-model <file>', 'ONNX image encoder for runs that embed clips; never taken from the queue')
    .option('--concurrency <n>', 'sources processed at once by this worker', integer, 2)
    .option('--lock-sec <sec>', 'seconds before a job of a dead worker is given to another', number, 30)
    .addOption(hwaccelOption())
    .addOption(allowLocalOption())
    .addOption(allowPrivateNetworkOption())
    .addOption(s3EndpointOption())
    .option('--s3-allow <bucket[/prefix]>', 'the only S3 locations jobs may read (s3:// sources) and write (s3:// --out) with this worker\'s credentials (repeatable; none by default)', collect)
    .option('--staging <dir>', 'where runs with an s3:// --out are staged on this machine (default: <out-root>/.clipmill-s3-staging)')
    .addOption(metricsPortOption())
    .addOption(metricsHostOption())
    .action(async (flags: WorkerFlags) => {
      const { startWorker } = await import('../api/worker.js');
      const { redactUrl } = await import('../executors/redis-check.js');
      if (flags.s3Endpoint) (await import('../store/s3.js')).configureS3({ endpoint: flags.s3Endpoint });
      const log = (message: string): void => void process.stderr.write(`${new Date().toISOString()} ${message}\n`);
      const { startMetricsIfAsked } = await import('../metrics/cli.js');
      const metered = await startMetricsIfAsked(flags, log);
      const worker = await startWorker({
        queue: flags.queue, concurrency: flags.concurrency, lockSec: flags.lockSec, hwaccel: flags.hwaccel, metrics: metered?.metrics, log,
        outRoot: flags.outRoot, allowLocal: flags.allowLocal, allowPrivateNetwork: flags.allowPrivateNetwork, ytDlp: flags.ytDlp, optOut: flags.optOut, embedModel: flags.embedModel,
        s3Allow: flags.s3Allow, s3Staging: flags.staging,
      });
      log(`worker ready on ${redactUrl(flags.queue)} (concurrency ${flags.concurrency})`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (): void => {
          const release = stopping;
          stopping = true;
          log(release ? 'stopping now; handing running jobs back to the queue' : 'stopping after the running jobs (signal again to hand them back now)');
          worker.close({ release }).then(resolve, (err: Error) => {
            log(`error while stopping: ${err.message}`);
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await metered?.server.close();
      log('worker stopped');
    });
}
