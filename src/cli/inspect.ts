/** `clipmill inspect <video>`: the probe and the shots of one local video. */
import type { Command } from 'commander';
import { FatalError, SourceError } from '../errors.js';
import { number, hwaccelOption } from './options.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Probe one video and find its shots. endFrame is inclusive, endTime exclusive (the time of the next frame).')
    .argument('<video>', 'a local video file')
    .option('--json', 'print JSON instead of a table')
    .option('--threshold <x>', 'shot detector sensitivity multiplier (default 1)', number)
    .option('--rules-only', 'shot boundaries from the rules alone, without the learned check')
    .addOption(hwaccelOption())
    .action(async (video: string, flags: { json?: boolean; threshold?: number; rulesOnly?: boolean; hwaccel?: 'cuda' }) => {
      const { inspect } = await import('../api/inspect.js');
      try {
        const result = await inspect(video, { threshold: flags.threshold, verify: !flags.rulesOnly, hwaccel: flags.hwaccel });
        if (flags.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        const { probe: info, shots, transitions } = result;
        const v = info.video;
        process.stdout.write(
          `${video}: ${info.container}, ${v.codec} ${v.width}x${v.height} @ ${v.fps.toFixed(3)} fps, ` +
            `${info.durationSec.toFixed(2)} s, ${result.frames} frames, ${shots.length} shots\n`,
        );
        for (const [i, s] of shots.entries()) {
          process.stdout.write(
            `  shot ${String(i).padStart(3)}  frames ${s.startFrame}-${s.endFrame}  ${s.startTime.toFixed(3)}s-${s.endTime.toFixed(3)}s\n`,
          );
        }
        for (const t of transitions.filter((x) => x.kind === 'gradual')) {
          process.stdout.write(`  gradual transition  frames ${t.startFrame}-${t.endFrame}\n`);
        }
      } catch (err) {
        if (err instanceof SourceError) throw new FatalError(`${video}: [${err.code}] ${err.message}`);
        throw err;
      }
    });
}
