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
    .addOption(hwaccelOption())
    .action(async (video: string, flags: { json?: boolean; threshold?: number; hwaccel?: 'cuda' }) => {
      const { defaultConfig } = await import('../config/schema.js');
      const { probe } = await import('../media/probe.js');
      const { analyseVideo } = await import('../pipeline/analyse.js');
      const seg = defaultConfig().segment;
      try {
        const info = await probe(video);
        const analysis = await analyseVideo(video, info, {
          analysisWidth: seg.analysisWidth,
          threshold: flags.threshold ?? seg.threshold,
          hwaccel: flags.hwaccel,
        });
        const result = { file: video, probe: info, frames: analysis.times.length, shots: analysis.shots, transitions: analysis.transitions };
        if (flags.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        const v = info.video;
        process.stdout.write(
          `${video}: ${info.container}, ${v.codec} ${v.width}x${v.height} @ ${v.fps.toFixed(3)} fps, ` +
            `${info.durationSec.toFixed(2)} s, ${analysis.times.length} frames, ${analysis.shots.length} shots\n`,
        );
        for (const [i, s] of analysis.shots.entries()) {
          process.stdout.write(
            `  shot ${String(i).padStart(3)}  frames ${s.startFrame}-${s.endFrame}  ${s.startTime.toFixed(3)}s-${s.endTime.toFixed(3)}s\n`,
          );
        }
        for (const t of analysis.transitions.filter((x) => x.kind === 'gradual')) {
          process.stdout.write(`  gradual transition  frames ${t.startFrame}-${t.endFrame}\n`);
        }
      } catch (err) {
        if (err instanceof SourceError) throw new FatalError(`${video}: [${err.code}] ${err.message}`);
        throw err;
      }
    });
}
