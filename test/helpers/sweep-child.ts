/**
 * A writer killed mid-commit, for the crash tests: sweeps an output folder (which commits its
 * marked sources in parts) and SIGKILLs itself right after the `nth` time a commit reaches `step`.
 * Usage: node --import tsx sweep-child.ts <outDir> <shardBytes> <step> <nth>
 */
import { sweepPending } from '../../src/pack/part-sweep.js';
import { OutputDir } from '../../src/store/output.js';

const [outDir, shardBytes, stopAt, nth] = process.argv.slice(2);
let seen = 0;
await sweepPending(new OutputDir(outDir!), {
  shardBytes: Number(shardBytes),
  onStep: (step) => {
    if (step === stopAt && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
  },
});
