/** `clipmill recheck <dir>`: asks the origins of a dataset's sources whether they are still there, and takes down the gone. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { OnChange, RecheckReport } from '../policy/recheck.js';
import { allowPrivateNetworkOption, integer, number } from './options.js';

interface RecheckFlags {
  allowPrivateNetwork?: boolean;
  olderThan?: number;
  dryRun?: boolean;
  json?: boolean;
  onChange: OnChange;
  queue?: string;
  config?: string;
  workers: number;
  userAgent?: string;
  timeout?: number;
  retries?: number;
  hostConcurrency?: number;
  hostRps?: number;
  ytDlp?: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `45s`, `2w` (a bare number is days) → milliseconds. */
export function parseAge(value: string): number {
  const m = value.trim().match(/^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i);
  if (!m) throw new InvalidArgumentError(`"${value}" is not an age such as 30d, 12h, 90m or 2w.`);
  return Number(m[1]) * UNIT_MS[(m[2] || 'd').toLowerCase()]!;
}

const LABEL: Record<string, string> = { gone: 'gone', opted_out: 'opted out', changed: 'changed', unknown: 'unknown' };

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function formatReport(r: RecheckReport): string {
  const s = r.sources;
  const o = r.outcomes;
  const notAsked = [
    s.local ? `${s.local} local files have no origin` : '',
    s.fresh ? `${s.fresh} checked within --older-than` : '',
    s.not_asked ? `${s.not_asked} on unreachable hosts not asked` : '',
  ].filter(Boolean);
  const lines = [
    `Rechecked ${plural(s.checked, 'source')} of ${s.admitted} admitted${notAsked.length ? ` (${notAsked.join(', ')})` : ''}: ` +
      `${o.present} present, ${o.gone} gone, ${o.opted_out} opted out, ${o.changed} changed, ${o.unknown} unknown.`,
  ];
  for (const x of r.results) lines.push(`  ${LABEL[x.outcome]!.padEnd(9)} ${x.source} ${x.uri}: ${x.reason} → ${x.action}`);
  for (const h of r.unreachable_hosts) {
    lines.push(`  host ${h.host} unreachable (${h.reason}): its ${plural(h.sources, 'source')} kept, not checked; recheck again later.`);
  }
  const doomed = r.results.filter((x) => x.action === 'take down').length;
  if (r.dry_run) {
    lines.push(`Dry run: nothing changed; ${plural(doomed, 'source')} would be taken down.`);
  } else if (r.takedowns.length > 0) {
    const clips = r.takedowns.reduce((n, t) => n + t.clips, 0);
    const deleted = new Set(r.takedowns.flatMap((t) => t.deletedShards));
    const rewritten = [...new Set(r.takedowns.flatMap((t) => t.shards))].filter((shard) => !deleted.has(shard)).sort();
    lines.push(`Took down ${plural(doomed, 'source')} (${plural(clips, 'clip')}), recorded in takedowns.jsonl.`);
    if (rewritten.length > 0) lines.push(`Shards rewritten: ${rewritten.join(', ')}`);
    if (deleted.size > 0) lines.push(`Shards deleted (left empty): ${[...deleted].sort().join(', ')}`);
  }
  if (o.unknown > 0) lines.push('Unknown: the origin gave no clear answer (timeout, 5xx, 403, rate limit); those sources are kept.');
  return lines.join('\n');
}

const PROGRESS_EVERY_MS = 15_000;

/** A progress line on stderr at most every 15 s, so a long recheck is not silent. */
function progressLine(): (r: Readonly<RecheckReport>) => void {
  let last = Date.now();
  return (r) => {
    if (Date.now() - last < PROGRESS_EVERY_MS) return;
    last = Date.now();
    const o = r.outcomes;
    process.stderr.write(`${new Date().toISOString()} rechecked ${r.sources.checked}: ${o.gone} gone, ${o.opted_out} opted out, ${o.changed} changed, ${o.unknown} unknown\n`);
  };
}

/** Fetch settings of the check (the politeness of `clipmill run`), from the config file and flags. */
function flagsToConfig(f: RecheckFlags): Record<string, unknown> {
  return {
    fetch: {
      userAgent: f.userAgent, timeoutSec: f.timeout, retries: f.retries,
      perHostConcurrency: f.hostConcurrency, perHostRps: f.hostRps, ytDlpPath: f.ytDlp,
    },
  };
}

export function registerRecheck(program: Command): void {
  program
    .command('recheck')
    .description('Ask the origin of every admitted source whether it is still there; take down what was removed or opted out since.')
    .argument('<dir>', 'output directory of clipmill run')
    .option('--older-than <age>', 'only sources not rechecked for this long: 30d, 12h, 2w (default: all)', parseAge)
    .option('--dry-run', 'ask and list, change nothing')
    .option('--json', 'print the report as JSON')
    .addOption(new Option('--on-change <policy>', 'a source whose file changed (size, ETag, Last-Modified): keep, takedown or report').choices(['keep', 'takedown', 'report'] satisfies OnChange[]).default('report'))
    .option('-q, --queue <url>', 'check on a Redis queue: one job per source, for `clipmill worker` processes')
    .option('-c, --config <file>', 'JSON config file: its fetch settings and X-Robots-Tag policy apply')
    .option('-w, --workers <n>', 'sources checked at once (per-host limits still apply)', integer, 8)
    .option('--user-agent <ua>', 'HTTP user agent')
    .option('--timeout <sec>', 'network timeout in seconds (default 30)', number)
    .option('--retries <n>', 'retries for transient failures (default 3)', integer)
    .option('--host-concurrency <n>', 'concurrent requests per host (default 2)', integer)
    .option('--host-rps <n>', 'requests per second per host, 0 = unlimited (default 2)', number)
    .option('--yt-dlp <path>', 'yt-dlp executable (default yt-dlp)')
    .addOption(allowPrivateNetworkOption())
    .action(async (dir: string, flags: RecheckFlags) => {
      // The command's modules load when it runs, so `clipmill --help` stays fast.
      const { loadConfig } = await import('../config/load.js');
      const { createHostGate } = await import('../fetch/politeness.js');
      const { checkOrigin } = await import('../policy/recheck-origin.js');
      const { recheckOnQueue } = await import('../executors/recheck-queue.js');
      const { recheck } = await import('../policy/recheck.js');
      const { requireMarkedOutput } = await import('../store/output.js');
      // Recheck takes sources down (deletes and rewrites files): only in a folder clipmill made.
      await requireMarkedOutput(dir);
      const cfg = await loadConfig(flags.config, flagsToConfig(flags));
      const options = { olderThanMs: flags.olderThan, dryRun: Boolean(flags.dryRun), onChange: flags.onChange, onChecked: progressLine() };
      let report: RecheckReport;
      if (flags.queue) {
        const { checkRedis } = await import('../executors/redis-check.js');
        await checkRedis(flags.queue);
        if (flags.allowPrivateNetwork || flags.ytDlp) process.stderr.write('note: --allow-private-network and --yt-dlp are set per worker (clipmill worker), not by a queued recheck\n');
        report = await recheckOnQueue(dir, flags.queue, cfg, options);
      } else {
        const gate = createHostGate(cfg.fetch);
        const check = { fetch: cfg.fetch, policy: cfg.policy, gate, allowPrivateNetwork: flags.allowPrivateNetwork };
        report = await recheck(dir, { ...options, concurrency: flags.workers, check: (target, signal) => checkOrigin(target, { ...check, signal }) });
      }
      process.stdout.write((flags.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
    });
}
