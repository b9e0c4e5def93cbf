/**
 * The clipmill command line. Each command lives in its own module; this file only wires them
 * together and turns fatal errors into a clear message and a non-zero exit status.
 */
import { Command, CommanderError } from 'commander';
import { FatalError } from '../errors.js';
import { registerInspect } from './inspect.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerRecheck } from './recheck.js';
import { registerTakedown } from './takedown.js';
import { registerCancel } from './cancel.js';
import { registerWorker } from './worker.js';
import { registerServe } from './serve.js';
import { registerReport } from './report.js';

const program = new Command('clipmill')
  .description('A video data factory: turns URL lists, dataset manifests and folders into shot-split, filtered, rights-aware WebDataset clip datasets.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerRun(program);
registerInspect(program);
registerStatus(program);
registerTakedown(program);
registerRecheck(program);
registerWorker(program);
registerCancel(program);
registerServe(program);
registerReport(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof FatalError) {
    process.stderr.write(`clipmill: ${redactPasswords(err.message)}\n`);
    return 2;
  }
  process.stderr.write(`clipmill: unexpected error: ${redactPasswords((err as Error)?.stack ?? String(err))}\n`);
  return 1;
}

/** A password in any URL of a message (redis://:secret@host) becomes ***: messages end up in logs. */
function redactPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi, '$1***@');
}
