/** `clipmill cancel <dir> --queue <url>`: stop a distributed run; `clipmill run` with the same arguments resumes it. */
import type { Command } from 'commander';
import path from 'node:path';
import { canonicalPrefixUri, isS3Uri } from '../store/s3-uri.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('Cancel a distributed run: workers skip its remaining jobs and stop its running ones. Rerun `clipmill run` to resume.')
    .argument('<dir>', 'output directory of the run, or its s3://bucket/prefix')
    .requiredOption('-q, --queue <url>', 'Redis URL of the queue')
    .action(async (dir: string, flags: { queue: string }) => {
      const { checkRedis } = await import('../executors/redis-check.js');
      await checkRedis(flags.queue);
      const { cancelRun, runIdFor } = await import('../executors/bullmq.js');
      // An s3:// output's run is named by its URI, a folder's by its absolute path.
      await cancelRun(flags.queue, runIdFor(isS3Uri(dir) ? canonicalPrefixUri(dir) : dir));
      process.stderr.write(`cancelled the run writing to ${isS3Uri(dir) ? dir : path.resolve(dir)}\n`);
    });
}
