/** `clipmill cancel <dir> --queue <url>`: stop a distributed run; `clipmill run` with the same arguments resumes it. */
import type { Command } from 'commander';
import path from 'node:path';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('Cancel a distributed run: workers skip its remaining jobs and stop its running ones. Rerun `clipmill run` to resume.')
    .argument('<dir>', 'output directory of the run')
    .requiredOption('-q, --queue <url>', 'Redis URL of the queue')
    .action(async (dir: string, flags: { queue: string }) => {
      const { checkRedis } = await import('../executors/redis-check.js');
      await checkRedis(flags.queue);
      const { cancelRun, runIdFor } = await import('../executors/bullmq.js');
      await cancelRun(flags.queue, runIdFor(path.resolve(dir)));
      process.stderr.write(`cancelled the run writing to ${path.resolve(dir)}\n`);
    });
}
