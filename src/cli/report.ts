/** `clipmill report <dir>`: writes the dataset's datasheet, one self-contained report.html. */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { FatalError } from '../errors.js';
import { readTargets } from '../report/targets.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Write report.html into an output directory: a self-contained datasheet (composition, how it was collected, filters, duplicates, limitations, attribution).')
    .argument('<dir>', 'output directory of clipmill run')
    .option('--targets <file>', 'JSON of content-mix targets, category → weight, e.g. {"driving": 3, "cooking": 1}')
    .action(async (dir: string, flags: { targets?: string }) => {
      const { writeReport } = await import('../report/report.js');
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw new FatalError(`${dir} is not a directory`);
      const targets = flags.targets ? await readTargets(flags.targets) : undefined;
      process.stdout.write(`${await writeReport(dir, { targets })}\n`);
    });
}
