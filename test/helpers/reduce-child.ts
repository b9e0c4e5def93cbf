/**
 * A reduce killed part way, for the crash tests: packs an output folder with the dataset's
 * duplicate index and SIGKILLs itself right after the `nth` time the reduce reaches `step`.
 * Usage: node --import tsx reduce-child.ts <outDir> <shardBytes> <step> <nth>
 */
import { PackConfig } from '../../src/config/schema.js';
import { openDuplicateIndex } from '../../src/pack/duplicate-index.js';
import { pack } from '../../src/pack/index.js';

const [outDir, shardBytes, stopAt, nth] = process.argv.slice(2);
let seen = 0;
await pack(outDir!, PackConfig.parse({ shardBytes: Number(shardBytes) }), { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:40.000Z' }, {
  duplicateIndex: () => openDuplicateIndex(outDir!),
  onStep: (step) => {
    if (step === stopAt && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
  },
});
