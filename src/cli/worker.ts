/** `clipmill worker`: takes jobs of distributed runs from a Redis queue until stopped. */
import type { Command } from 'commander';
import { pipelineTasks } from '../executors/bullmq-tasks.js';
import { startQueueWorker } from '../executors/bullmq-worker.js';
import { workerSettings } from '../executors/job-trust.js';
import { openRedis } from '../executors/redis.js';
import { checkRedis, redactUrl } from '../executors/redis-check.js';
import { checkHwaccel } from '../media/hwaccel.js';
import { LocalRoots } from '../fetch/local-roots.js';
import { allowLocalOption, allowPrivateNetworkOption, integer, number, hwaccelOption } from './options.js';

interface WorkerFlags {
  queue: string;
  concurrency: number;
  lockSec: number;
  hwaccel?: 'cuda';
  allowLocal?: string[];
  allowPrivateNetwork?: boolean;
  outRoot: string;
  ytDlp?: string;
  optOut?: string[];
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Process jobs of runs enqueued with `clipmill run --queue`, on this machine, until stopped (SIGTERM/SIGINT: finish current jobs; twice: hand them back now).')
    .requiredOption('-q, --queue <url>', 'Redis URL of the queue, e.g. redis://:password@host:6379 (rediss:// for TLS)')
    .requiredOption('--out-root <dir>', 'runs may write only below this folder (the shared storage); others are refused')
    .option('--yt-dlp <path>', 'yt-dlp executable (default yt-dlp); never taken from the queue')
    .option('--opt-out <file...>', 'opt-out list(s) this worker applies; never taken from the queue')
    .option('--concurrency <n>', 'sources processed at once by this worker', integer, 2)
    .option('--lock-sec <sec>', 'seconds before a job of a dead worker is given to another', number, 30)
    .addOption(hwaccelOption())
    .addOption(allowLocalOption())
    .addOption(allowPrivateNetworkOption())
    .action(async (flags: WorkerFlags) => {
      const log = (message: string): void => void process.stderr.write(`${new Date().toISOString()} ${message}\n`);
      // Runs are accepted only when signed with CLIPMILL_QUEUE_SECRET; programs and files are this worker's own.
      const settings = await workerSettings({ outRoot: flags.outRoot, ytDlpPath: flags.ytDlp, optOutList: flags.optOut });
      await checkRedis(flags.queue);
      if (flags.hwaccel) await checkHwaccel(flags.hwaccel);
      const access = { localRoots: await LocalRoots.of(flags.allowLocal ?? []), allowPrivateNetwork: flags.allowPrivateNetwork };
      const gateRedis = openRedis(flags.queue);
      const worker = await startQueueWorker({
        queueUrl: flags.queue,
        concurrency: flags.concurrency,
        lockMs: Math.round(flags.lockSec * 1000),
        tasks: pipelineTasks({ redis: gateRedis, access, hwaccel: flags.hwaccel }),
        settings,
        log,
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
      gateRedis.disconnect();
      log('worker stopped');
    });
}
