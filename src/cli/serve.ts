/** `clipmill serve <dir>`: the read-only dashboard of a dataset folder, live while a run writes it. */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { FatalError } from '../errors.js';
import { isDefaultLoopback, newToken } from '../report/access.js';
import { readTargets } from '../report/targets.js';
import { integer } from './options.js';

interface ServeFlags {
  host: string;
  port: number;
  queue?: string;
  targets?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve a read-only dashboard of an output directory (finished, or while a run writes it). Binds 127.0.0.1; any other address needs the token it prints.')
    .argument('<dir>', 'output directory of clipmill run')
    .option('--host <address>', 'address to bind; any but 127.0.0.1, ::1 and localhost requires the token printed at start', '127.0.0.1')
    .option('--port <n>', 'port, 0 picks a free one', integer, 8470)
    .option('-q, --queue <url>', 'Redis URL of a queued run: shows queue depth and workers')
    .option('--targets <file>', 'JSON of content-mix targets, category → weight, e.g. {"driving": 3, "cooking": 1}')
    .action(async (dir: string, flags: ServeFlags) => {
      // Loaded here, not above: `clipmill --help` must not load the dashboard (or the queue client).
      const { startDashboard } = await import('../report/server.js');
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw new FatalError(`${dir} is not a directory`);
      const token = isDefaultLoopback(flags.host) ? undefined : newToken();
      const targets = flags.targets ? await readTargets(flags.targets) : undefined;
      const dashboard = await startDashboard({ dir, host: flags.host, port: flags.port, token, queueUrl: flags.queue, targets }).catch((err: Error) => {
        throw new FatalError(`cannot listen on ${flags.host}:${flags.port}: ${err.message}`);
      });
      process.stdout.write(`dashboard of ${dir}: ${dashboard.url}${token ? `?token=${token}` : ''}\n`);
      if (token) process.stdout.write(`token (required on ${flags.host}): ${token}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await dashboard.close();
    });
}
