/**
 * A queue worker's writer frozen mid-commit, for the lease tests: stages the readable records of a
 * pack fixture folder (test/pack/fixture.ts) under a part lease on a run, as a worker does, then
 * commits them; right after the part's tars it writes <stoppedFile> and stops itself (SIGSTOP)
 * until the test sends SIGCONT. Prints "committed", or "abandoned: <why>".
 * Usage: node --import tsx frozen-writer-child.ts <redisUrl> <outDir> <runId> <leaseMs> <stoppedFile>
 */
import { writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { defaultConfig } from '../../src/config/schema.js';
import { PartLeases } from '../../src/executors/part-leases.js';
import { WorkerParts } from '../../src/executors/worker-parts.js';
import { PartCollector } from '../../src/pack/part-writer.js';
import { OutputDir } from '../../src/store/output.js';
import { fixtureRecords } from './parts.js';

const [redisUrl, outDir, runId, leaseMs, stoppedFile] = process.argv.slice(2);
const redis = new Redis(redisUrl!);
const leases = new PartLeases(redis, 'frozen-writer', Number(leaseMs));
const parts = new WorkerParts({
  collector: (run, owns) => new PartCollector(run.out, {
    shardBytes: 1024 ** 3,
    owns,
    onStep: async (step) => {
      if (step !== 'tars') return;
      await writeFile(stoppedFile!, '');
      process.kill(process.pid, 'SIGSTOP');
    },
  }),
}, leases, 60_000, (message) => process.stderr.write(`${message}\n`));

const run = { runId: runId!, out: new OutputDir(outDir!), cfg: defaultConfig() };
for (const record of await fixtureRecords(outDir!)) await parts.stage(record, run);
try {
  await parts.flush(runId!);
  console.log('committed');
} catch (err) {
  console.log(`abandoned: ${(err as Error).message}`);
}
leases.stop();
redis.disconnect();
