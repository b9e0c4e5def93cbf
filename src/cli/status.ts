/** `clipmill status <dir>`: what a finished or running output directory holds. */
import type { Command } from 'commander';
import { summarizeOutput, type OutputSummary } from '../pack/index.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Summarise an output directory: sources done, failed and refused (by reason), clips, hours, shards.')
    .argument('<dir>', 'output directory of clipmill run')
    .option('--json', 'print JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const summary = await summarizeOutput(dir);
      process.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(dir, summary));
    });
}

/** "a: 1, b: 2", largest first. */
function counts(byKey: Record<string, number>): string {
  const entries = Object.entries(byKey).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return entries.length ? entries.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none';
}

export function formatSummary(dir: string, s: OutputSummary): string {
  const lines = [
    `${dir}`,
    `  sources  ${s.sources.total} recorded: ${s.sources.done} done, ${s.sources.failed} failed, ${s.sources.refused} refused` +
      (s.sources.unreadable ? `, ${s.sources.unreadable} unreadable records` : ''),
    `  failed   ${counts(s.sources.by_error_code)}`,
    `  refused  ${counts(s.sources.refused_by_reason)}`,
    `  clips    ${s.clips.kept} kept, ${s.clips.dropped} dropped (${counts(s.clips.dropped_by_reason)})`,
    `  hours    ${s.hours.source_video_hours.toFixed(3)} h of source video, ${s.hours.kept_clip_hours.toFixed(3)} h in kept clips`,
  ];
  if (s.index) lines.push(`  index    ${s.index.rows} rows (${s.index.kept} kept, ${s.index.dropped} dropped)`);
  if (s.stats) {
    lines.push(
      `  shards   ${s.stats.shards.count} shards, ${(s.stats.shards.bytes / 1e6).toFixed(1)} MB`,
      `  last pack ${s.stats.end_time} (run took ${s.stats.duration.toFixed(1)} s)`,
    );
  } else {
    lines.push('  not packed yet (the run is in progress, or was interrupted: rerun it to finish)');
  }
  return lines.join('\n') + '\n';
}
