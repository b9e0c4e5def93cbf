/**
 * Takes the run lock of an output folder once `go` exists (so many of these start at one moment),
 * prints `held` or `refused: <message>`, and holds the lock until its stdin closes.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockOutput } from '../../src/store/run-lock.js';

const [outDir, go] = process.argv.slice(2) as [string, string];
while (!existsSync(go)) await sleep(5);
try {
  const lock = await lockOutput(outDir);
  process.stdout.write('held\n');
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await lock.release();
} catch (err) {
  process.stdout.write(`refused: ${(err as Error).message}\n`);
}
