/** Entry for test worker processes: just the `worker` command, as `clipmill worker` runs it. */
import { Command } from 'commander';
import { registerWorker } from '../../src/cli/worker.js';

const program = new Command('clipmill');
registerWorker(program);
await program.parseAsync(process.argv);
