/** `clipmill run`: the whole pipeline on one machine (or enqueued to workers with --queue). */
import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { runIdFor, runOnQueue } from '../executors/bullmq.js';
import { queueSecret } from '../executors/job-trust.js';
import { checkRedis, redactUrl } from '../executors/redis-check.js';
import { runDataset } from '../pipeline/run.js';
import { URL_COLUMNS } from '../sources/columns.js';
import { allowLocalOption, allowPrivateNetworkOption, integer, number, hwaccelOption } from './options.js';
import type { PackSummary } from '../pack/index.js';
import { RunProgress, type ProgressCounts } from './progress.js';

/** What pack had to work around: unreadable records, clip files that went missing, its own warnings. */
function reportPackProblems(pack: PackSummary): void {
  for (const s of pack.skipped) process.stderr.write(`warning: skipped source record ${s.file} (${s.reason}): ${s.message}\n`);
  if (pack.missingFiles.length > 0) {
    process.stderr.write(`warning: ${pack.missingFiles.length} kept clips had no file any more and were dropped (reason missing_file)\n`);
  }
  for (const warning of pack.warnings) process.stderr.write(`warning: ${warning}\n`);
}

function reportFinished(c: ProgressCounts, clipsKept: number, shards: number, outDir: string): void {
  process.stderr.write(
    `finished: ${c.done} done, ${c.failed} failed, ${c.refused} refused, ${c.skipped} from earlier runs, ` +
      `${c.badRows} bad manifest rows; ${clipsKept} clips in ${shards} shards → ${outDir}\n`,
  );
}

interface RunFlags {
  out: string;
  config?: string;
  workers?: number;
  urlColumn?: string;
  preset?: string;
  minClip?: number;
  maxClip?: number;
  threshold?: number;
  codec?: string;
  maxHeight?: number;
  maxFps?: number;
  crf?: number;
  encoderPreset?: string;
  keepAudio?: boolean;
  streamCopy?: boolean;
  cropBars?: boolean;
  safety?: boolean;
  thumbnails?: boolean;
  shardSize?: number;
  use?: string;
  license?: string;
  licenseColumn?: string;
  allowUnknownLicense?: boolean;
  optOut?: string[];
  userAgent?: string;
  maxBytes?: number;
  timeout?: number;
  retries?: number;
  hostConcurrency?: number;
  hostRps?: number;
  ytDlp?: string;
  hwaccel?: 'cuda';
  allowLocal?: string[];
  allowPrivateNetwork?: boolean;
  force?: boolean;
  queue?: string;
}

/** Flags become a partial config, merged over the config file (flags win). */
function flagsToConfig(f: RunFlags): Record<string, unknown> {
  return {
    workers: f.workers,
    urlColumn: f.urlColumn,
    preset: f.preset,
    segment: { minClipSec: f.minClip, maxClipSec: f.maxClip, threshold: f.threshold },
    extract: {
      codec: f.codec, maxHeight: f.maxHeight, maxFps: f.maxFps, crf: f.crf, preset: f.encoderPreset,
      keepAudio: f.keepAudio, streamCopy: f.streamCopy, cropBars: f.cropBars,
    },
    pack: { shardBytes: f.shardSize, thumbnails: f.thumbnails },
    filter: { safety: f.safety },
    policy: {
      use: f.use, defaultLicense: f.license, licenseColumn: f.licenseColumn,
      allowUnknownLicense: f.allowUnknownLicense, optOutList: f.optOut,
    },
    fetch: {
      userAgent: f.userAgent, maxBytes: f.maxBytes, timeoutSec: f.timeout, retries: f.retries,
      perHostConcurrency: f.hostConcurrency, perHostRps: f.hostRps, ytDlpPath: f.ytDlp,
    },
  };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Turn inputs (manifests, folders, URLs, files) into a clip dataset in --out. Rerun the same command to resume.')
    .argument('<inputs...>', 'manifests (.csv .tsv .jsonl .ndjson .json .parquet, .gz for text ones), URL lists (.txt .urls .list), directories, http(s) URLs or video files')
    .requiredOption('-o, --out <dir>', 'output directory: new, empty, or made by clipmill')
    .option('--force', 'use an output directory that holds other files (clipmill may overwrite or delete them)')
    .option('-c, --config <file>', 'JSON config file (flags override it)')
    .option('-w, --workers <n>', 'sources processed at once (default 2)', integer)
    .option('--url-column <name>', `manifest column holding the URL or path (default: the first of ${URL_COLUMNS.join(', ')})`)
    .option('--preset <name>', 'dataset manifest layout: hdvila, panda70m, webvid, internvid, kinetics')
    .option('--min-clip <sec>', 'shortest clip in seconds (default 2)', number)
    .option('--max-clip <sec>', 'longest clip in seconds; longer shots are split (default 10)', number)
    .option('--threshold <x>', 'shot detector sensitivity multiplier, lower finds more cuts (default 1)', number)
    .option('--codec <name>', 'clip codec: h264, vp9, av1 (default h264)')
    .option('--max-height <px>', 'largest clip height, never upscaled (default 720)', integer)
    .option('--max-fps <fps>', 'frame-rate cap, 0 keeps the source rate (default 0)', number)
    .option('--crf <n>', 'encoder quality, lower is better (default 23)', integer)
    .option('--encoder-preset <name>', 'encoder speed preset (default veryfast)')
    .option('--keep-audio', 'keep the audio track in clips')
    .option('--stream-copy', 'copy streams instead of re-encoding: fast, but cuts snap to keyframes')
    .option('--crop-bars', 'crop letterbox/pillarbox bars away instead of dropping such clips')
    .option('--safety', 'score kept clips with the bundled NSFW model and drop unsafe ones (slow on CPU)')
    .option('--thumbnails', 'add a JPEG thumbnail (<clip_id>.jpg) of every clip to the shards')
    .option('--shard-size <bytes>', 'target shard size in bytes (default 1 GiB)', integer)
    .option('--use <use>', 'intended use: commercial, research, non-commercial, ... (enables the licence gate)')
    .option('--license <spdx>', 'licence of sources that do not state one')
    .option('--license-column <name>', 'manifest column holding the licence')
    .option('--allow-unknown-license', 'admit sources with an unknown licence under a declared use')
    .option('--opt-out <file...>', 'opt-out list(s): domains, URL prefixes, patterns or source ids')
    .option('--user-agent <ua>', 'HTTP user agent')
    .option('--max-bytes <n>', 'largest download accepted (default 4 GiB)', integer)
    .option('--timeout <sec>', 'network timeout in seconds (default 30)', number)
    .option('--retries <n>', 'retries for transient failures (default 3)', integer)
    .option('--host-concurrency <n>', 'concurrent downloads per host (default 2)', integer)
    .option('--host-rps <n>', 'requests per second per host, 0 = unlimited (default 2)', number)
    .option('--yt-dlp <path>', 'yt-dlp executable (default yt-dlp)')
    .addOption(hwaccelOption())
    .addOption(allowLocalOption())
    .addOption(allowPrivateNetworkOption())
    .option('-q, --queue <url>', 'enqueue the run on a Redis queue (redis://host:6379) for `clipmill worker` processes, and follow it')
    .action(async (inputs: string[], flags: RunFlags) => {
      const cfg = await loadConfig(flags.config, flagsToConfig(flags));
      const progress = new RunProgress();
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error('interrupted; rerun the same command to resume'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const outDir = path.resolve(flags.out);
        const c = progress.counts;
        if (flags.queue) {
          if (flags.hwaccel) progress.log('note: --hwaccel is set per worker (clipmill worker --hwaccel cuda), not by the run');
          if (flags.force) progress.log('note: --force applies to local runs; a queued run needs an empty --out or one clipmill made');
          if (flags.allowLocal || flags.allowPrivateNetwork || flags.ytDlp || flags.optOut) {
            progress.log('note: --allow-local, --allow-private-network, --yt-dlp and --opt-out are set per worker (clipmill worker --opt-out <file>), not by the run');
          }
          queueSecret(); // the run's settings are signed with it: fail before connecting when it is missing
          progress.log(`connecting to the queue at ${redactUrl(flags.queue)}`);
          await checkRedis(flags.queue, controller.signal);
          const result = await runOnQueue({ queueUrl: flags.queue, runId: runIdFor(outDir), inputs, outDir, cfg, progress, signal: controller.signal });
          if (result.cancelled) {
            process.stderr.write('the run was cancelled; run the same command again to resume it\n');
            process.exitCode = 1;
            return;
          }
          reportFinished(c, result.pack?.clipsKept ?? c.clipsKept, result.pack?.shards ?? 0, outDir);
          return;
        }
        const result = await runDataset({ inputs, outDir, cfg, progress, hwaccel: flags.hwaccel, allowLocal: flags.allowLocal, allowPrivateNetwork: flags.allowPrivateNetwork, force: flags.force, signal: controller.signal });
        reportFinished(c, result.pack?.clips.kept ?? c.clipsKept, result.pack?.shards.length ?? 0, outDir);
        if (result.pack) reportPackProblems(result.pack);
        if (result.warning) process.stderr.write(`warning: ${result.warning}\n`);
      } catch (err) {
        if (controller.signal.aborted) {
          const note = flags.queue ? 'stopped following; the workers carry on (rerun the same command to follow again)' : (controller.signal.reason as Error).message;
          process.stderr.write(`clipmill: ${note}\n`);
          process.exitCode = 130;
          return;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
