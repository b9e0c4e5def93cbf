/** `clipmill report <dir>`: writes the dataset's datasheet, one self-contained report.html. */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { FatalError } from '../errors.js';
import { writeReport } from '../report/report.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Write report.html into an output directory: a self-contained datasheet (composition, how it was collected, filters, duplicates, limitations, attribution).')
    .argument('<dir>', 'output directory of clipmill run')
    .action(async (dir: string) => {
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw new FatalError(`${dir} is not a directory`);
      process.stdout.write(`${await writeReport(dir)}\n`);
    });
}
