/** `clipmill takedown <dir>`: removes sources from a finished dataset and refuses them in later runs. */
import type { Command } from 'commander';
import type { TakedownResult } from '../policy/takedown.js';

interface TakedownFlags {
  source?: string[];
  list?: string;
  reason: string;
  json?: boolean;
}

function formatResult(r: TakedownResult): string {
  const lines = [
    `Took down ${r.sources.length} source${r.sources.length === 1 ? '' : 's'}: ${r.clips} clip${r.clips === 1 ? '' : 's'} removed, ${r.samples} from the shards.`,
    r.shards.length === 0 ? 'No shard held them; no shard was rewritten.' : `Shards rewritten: ${r.shards.join(', ')}`,
  ];
  if (r.deletedShards.length > 0) lines.push(`Shards deleted (left empty): ${r.deletedShards.join(', ')}`);
  if (r.unknownSources.length > 0) {
    lines.push(`Not in this dataset (check for a typo; they are refused by later runs all the same): ${r.unknownSources.join(', ')}`);
  }
  lines.push('Recorded in takedowns.jsonl: later runs into this directory refuse these sources.');
  return lines.join('\n');
}

export function registerTakedown(program: Command): void {
  program
    .command('takedown')
    .description('Remove every clip of some sources from a dataset (shards, index, clip files) and refuse them in later runs.')
    .argument('<dir>', 'output directory of clipmill run')
    .option('--source <idOrUri...>', 'source ids, URLs or paths to take down')
    .option('--list <file>', 'file with one source id, URL or path a line (# comments)')
    .requiredOption('--reason <text>', 'why, recorded in takedowns.jsonl')
    .option('--json', 'print the takedowns.jsonl entry as JSON')
    .action(async (dir: string, flags: TakedownFlags) => {
      const { readSourceList, takedown } = await import('../policy/takedown.js');
      const { requireMarkedOutput } = await import('../store/output.js');
      await requireMarkedOutput(dir);
      const refs = [...(flags.source ?? []), ...(flags.list ? await readSourceList(flags.list) : [])];
      const result = await takedown(dir, refs, flags.reason);
      process.stdout.write((flags.json ? JSON.stringify(result) : formatResult(result)) + '\n');
    });
}
