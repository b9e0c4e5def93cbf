/** `clipmill status <dir>`: what a finished or running output directory holds. */
import type { Command } from 'commander';
import path from 'node:path';
import type { QueueStatus } from '../executors/bullmq.js';
import type { OutputSummary } from '../pack/index.js';
import type { RightsFreshness } from '../policy/recheck-log.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Summarise an output directory: sources done, failed and refused (by reason), clips, hours, shards, when its rights were last rechecked.')
    .argument('<dir>', 'output directory of clipmill run')
    .option('--json', 'print JSON')
    .option('-q, --queue <url>', 'also show the queue of a distributed run: depth, active workers, failures')
    .action(async (dir: string, flags: { json?: boolean; queue?: string }) => {
      if (flags.queue) await (await import('../executors/redis-check.js')).checkRedis(flags.queue);
      const { summarizeOutput } = await import('../pack/index.js');
      const { queueStatus, runIdFor } = await import('../executors/bullmq.js');
      const { rightsFreshness } = await import('../policy/recheck-log.js');
      const summary = { ...(await summarizeOutput(dir)), rights: await rightsFreshness(dir) };
      const queue = flags.queue ? await queueStatus(flags.queue, runIdFor(path.resolve(dir))) : undefined;
      if (flags.json) {
        process.stdout.write(JSON.stringify(queue ? { ...summary, queue } : summary, null, 2) + '\n');
        return;
      }
      process.stdout.write(formatSummary(dir, summary) + formatRights(summary.rights) + (queue ? formatQueue(queue) : ''));
    });
}

/** "a: 1, b: 2", largest first. */
function counts(byKey: Record<string, number>): string {
  const entries = Object.entries(byKey).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return entries.length ? entries.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none';
}

function formatSummary(dir: string, s: OutputSummary): string {
  const lines = [
    `${dir}`,
    `  sources  ${s.sources.total} recorded: ${s.sources.done} done, ${s.sources.failed} failed, ${s.sources.refused} refused` +
      (s.sources.unreadable ? `, ${s.sources.unreadable} unreadable records` : ''),
    `  failed   ${counts(s.sources.by_error_code)}`,
    `  refused  ${counts(s.sources.refused_by_reason)}`,
    `  clips    ${s.clips.kept} kept, ${s.clips.dropped} dropped by the per-source filters (${counts(s.clips.dropped_by_reason)})`,
    `  hours    ${s.hours.source_video_hours.toFixed(3)} h of source video, ${s.hours.kept_clip_hours.toFixed(3)} h in clips kept by those filters`,
  ];
  if (s.index) {
    const reasons = s.stats ? ` (${counts(s.stats.clips.dropped_by_reason)})` : '';
    lines.push(`  dataset  ${s.index.kept} clips kept, ${s.index.dropped} dropped after cross-source dedup${reasons}; ${s.index.rows} index rows in ${s.index.parts} parts`);
  }
  if (s.pendingParts > 0) lines.push(`  pending  ${s.pendingParts} parts committed, not reduced yet (the run's end, or its rerun, reduces them)`);
  if (s.stats) {
    lines.push(
      `  shards   ${s.stats.shards.count} shards, ${(s.stats.shards.bytes / 1e6).toFixed(1)} MB`,
      `  last pack ${s.stats.end_time} (run took ${s.stats.duration.toFixed(1)} s)`,
    );
    if (s.stats.mix) lines.push(`  mix      ${formatMix(s.stats.mix.by_category)}`);
  } else {
    lines.push('  not packed yet (the run is in progress, or was interrupted: rerun it to finish)');
  }
  return lines.join('\n') + '\n';
}

/** When the admitted web sources were last asked whether they are still there (clipmill recheck). */
function formatRights(r: RightsFreshness): string {
  if (r.web_sources === 0) return '';
  const line = `  rights   ${r.rechecked} of ${r.web_sources} web sources rechecked`;
  if (r.rechecked === 0) return `${line}; run clipmill recheck to find sources their authors removed\n`;
  const never = r.never_rechecked ? `; ${r.never_rechecked} never rechecked` : '';
  return `${line} (oldest check ${r.oldest_check}, newest ${r.newest_check}): last outcomes ${counts(r.outcomes as Record<string, number>)}${never}\n`;
}

/** Achieved share of kept hours per category, with its target: `driving 31% (target 30%)`. */
function formatMix(mix: Record<string, { target: number | null; achieved: number }>): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return Object.entries(mix)
    .map(([category, e]) => `${category} ${pct(e.achieved)}${e.target === null ? '' : ` (target ${pct(e.target)})`}`)
    .join(', ');
}

function formatQueue(q: QueueStatus): string {
  const lines = [
    `  queue    ${q.waiting} waiting, ${q.active} active, ${q.delayed} delayed, ${q.completed} completed, ${q.failed} failed (all runs)`,
    `  workers  ${q.workers.length} connected${q.workers.length ? ': ' + q.workers.map((w) => w.addr || w.name).join(', ') : ''}`,
  ];
  if (q.run) {
    lines.push(
      `  this run ${q.run.state}: ${q.run.processed} of ${q.run.enqueued} source jobs processed, ${q.run.unprocessed} to do, ` +
        `${q.run.failedJobs} failed jobs; pack ${q.run.pack}`,
    );
  }
  return lines.join('\n') + '\n';
}
