/** `clipmill run`: the whole pipeline on one machine (or enqueued to workers with --queue). */
import type { Command } from 'commander';
import path from 'node:path';
import { URL_COLUMNS } from '../sources/columns.js';
import { allowLocalOption, allowPrivateNetworkOption, integer, number, hwaccelOption, s3EndpointOption } from './options.js';
import { isS3Uri } from '../store/s3-uri.js';
import { RunProgress, type ProgressCounts } from './progress.js';
import { metricsHostOption, metricsPortOption, type MetricsFlags } from '../metrics/options.js';

function reportFinished(c: ProgressCounts, clipsKept: number, shards: number, outDir: string): void {
  process.stderr.write(
    `finished: ${c.done} done, ${c.failed} failed, ${c.refused} refused, ${c.skipped} from earlier runs, ` +
      `${c.badRows} bad manifest rows; ${clipsKept} clips in ${shards} shards → ${outDir}\n`,
  );
}

interface RunFlags extends MetricsFlags {
  out: string;
  config?: string;
  workers?: number;
  urlColumn?: string;
  preset?: string;
  minClip?: number;
  maxClip?: number;
  threshold?: number;
  rulesOnly?: boolean;
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
  captionEndpoint?: string;
  captionModel?: string;
  captionConcurrency?: number;
  captionFrames?: number;
  embedModel?: string;
  semanticThreshold?: number;
  balance?: boolean;
  hwaccel?: 'cuda';
  allowLocal?: string[];
  allowPrivateNetwork?: boolean;
  force?: boolean;
  queue?: string;
  queueWindow?: number;
  explain?: boolean;
  s3Endpoint?: string;
  staging?: string;
}

/** Flags become a partial config, merged over the config file (flags win). */
function flagsToConfig(f: RunFlags): Record<string, unknown> {
  return {
    workers: f.workers,
    urlColumn: f.urlColumn,
    preset: f.preset,
    segment: { minClipSec: f.minClip, maxClipSec: f.maxClip, threshold: f.threshold, verify: f.rulesOnly ? false : undefined },
    extract: {
      codec: f.codec, maxHeight: f.maxHeight, maxFps: f.maxFps, crf: f.crf, preset: f.encoderPreset,
      keepAudio: f.keepAudio, streamCopy: f.streamCopy, cropBars: f.cropBars,
    },
    pack: { shardBytes: f.shardSize, thumbnails: f.thumbnails, mix: f.balance ? { balance: true } : undefined },
    filter: { safety: f.safety },
    caption: { endpoint: f.captionEndpoint, model: f.captionModel, concurrency: f.captionConcurrency, frames: f.captionFrames },
    embed: { model: f.embedModel === undefined ? undefined : path.resolve(f.embedModel), dedupThreshold: f.semanticThreshold },
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
    .requiredOption('-o, --out <dir>', 'output directory (new, empty, or made by clipmill), or s3://bucket/prefix')
    .option('--force', 'use an output directory that holds other files (clipmill may overwrite or delete them)')
    .option('-c, --config <file>', 'JSON config file (flags override it)')
    .option('-w, --workers <n>', 'sources processed at once (default 2)', integer)
    .option('--url-column <name>', `manifest column holding the URL or path (default: the first of ${URL_COLUMNS.join(', ')})`)
    .option('--preset <name>', 'dataset manifest layout: hdvila, panda70m, webvid, internvid, kinetics')
    .option('--min-clip <sec>', 'shortest clip in seconds (default 2)', number)
    .option('--max-clip <sec>', 'longest clip in seconds; longer shots are split (default 10)', number)
    .option('--threshold <x>', 'shot detector sensitivity multiplier, lower finds more cuts (default 1)', number)
    .option('--rules-only', 'shot boundaries from the rules alone, without the learned check')
    .option('--codec <name>', 'clip codec: h264, vp9, av1 (default h264)')
    .option('--max-height <px>', 'largest clip height, never upscaled (default 720)', integer)
    .option('--max-fps <fps>', 'frame-rate cap, 0 keeps the source rate (default 0)', number)
    .option('--crf <n>', 'encoder quality, lower is better (default 23)', integer)
    .option('--encoder-preset <name>', 'encoder speed preset (default veryfast)')
    .option('--keep-audio', 'keep the audio track in clips')
    .option('--stream-copy', 'copy streams instead of re-encoding: fast, but cuts snap to keyframes')
    .option('--crop-bars', 'crop letterbox/pillarbox bars away instead of dropping such clips')
    .option('--safety', 'score kept clips with the bundled NSFW model and drop unsafe ones (slow on CPU)')
    .option('--balance', 'leave clips of over-full categories out (reason mix) so the kept mix approaches pack.mix.targets in the config')
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
    .option('--caption-endpoint <url>', 'caption kept clips with an OpenAI-compatible vision endpoint (http://host:port/v1); API key from $CLIPMILL_CAPTION_API_KEY')
    .option('--caption-model <name>', 'model name sent to the caption endpoint (default "default")')
    .option('--caption-concurrency <n>', 'caption requests in flight at once (default 8)', integer)
    .option('--caption-frames <n>', 'frames sent per clip, evenly spaced (default 4)', integer)
    .option('--embed-model <file>', 'embed kept clips with this ONNX image encoder ([N,3,H,W] in, [N,D] out) and drop semantic duplicates')
    .option('--semantic-threshold <x>', 'cosine similarity at which two clips\' embeddings are duplicates, 0 = off (default 0.95)', number)
    .addOption(hwaccelOption())
    .addOption(allowLocalOption())
    .addOption(allowPrivateNetworkOption())
    .addOption(s3EndpointOption())
    .option('--staging <dir>', 'local working folder of an s3:// output (default: one per output URI under the temp folder)')
    .option('--explain', 'print the per-source stages this run would apply, in order, and exit')
    .option('-q, --queue <url>', 'enqueue the run on a Redis queue (redis://host:6379) for `clipmill worker` processes, and follow it')
    .option('--queue-window <n>', 'with --queue: source jobs waiting in Redis at most; enqueueing pauses until workers take some (default 100000)', integer)
    .addOption(metricsPortOption())
    .addOption(metricsHostOption())
    .action(async (inputs: string[], flags: RunFlags) => {
      // Imported here, not above: `clipmill --help` must not load the pipeline.
      const { loadConfig } = await import('../config/load.js');
      const { run, planRun } = await import('../api/run.js');
      const cfg = await loadConfig(flags.config, flagsToConfig(flags));
      if (flags.explain) {
        const { explainStages } = await import('../pipeline/stage.js');
        process.stdout.write(`${explainStages(await planRun({ config: cfg }))}\n`);
        return;
      }
      const { startMetricsIfAsked } = await import('../metrics/cli.js');
      const metered = await startMetricsIfAsked(flags, (message) => process.stderr.write(`${message}\n`));
      const progress = metered ? new (await import('../metrics/observe.js')).MeteredProgress(metered.metrics) : new RunProgress();
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error('interrupted; rerun the same command to resume'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        if (flags.s3Endpoint) (await import('../store/s3.js')).configureS3({ endpoint: flags.s3Endpoint });
        // An s3:// output is made in a local staging folder and published as it is finished (by
        // this process, or with --queue by the workers; this process then reduces and publishes).
        const s3 = isS3Uri(flags.out) ? await import('./s3-output.js') : undefined;
        const s3Out = s3 ? await s3.openS3Output(flags.out, flags.staging, progress) : undefined;
        const outDir = s3Out?.staging ?? path.resolve(flags.out);
        if (flags.queue) {
          if (flags.hwaccel) progress.log('note: --hwaccel is set per worker (clipmill worker --hwaccel cuda), not by the run');
          if (flags.force) progress.log('note: --force applies to local runs; a queued run needs an empty --out or one clipmill made');
          if (flags.allowLocal || flags.allowPrivateNetwork || flags.ytDlp || flags.optOut) {
            progress.log('note: --allow-local, --allow-private-network, --yt-dlp and --opt-out are set per worker (clipmill worker --opt-out <file>), not by the run');
          }
          // The run's settings are signed with the secret: refuse before touching the output folder.
          (await import('../executors/job-trust.js')).queueSecret();
          const { redactUrl } = await import('../executors/redis-check.js');
          progress.log(`connecting to the queue at ${redactUrl(flags.queue)}`);
        }
        // The datasheet's "how it was collected": one line per run in the folder's runs.jsonl.
        const { appendRunLog } = await import('../report/run-log.js');
        const { OutputDir } = await import('../store/output.js');
        // --force is for local runs: a queued run needs an empty folder or one clipmill made.
        await new OutputDir(outDir).prepare({ force: flags.queue ? false : flags.force });
        await appendRunLog(outDir, { command: process.argv.slice(2), executor: flags.queue ? 'queue' : 'local', config: cfg });
        const report = await run({
          inputs, out: outDir, config: cfg, queue: flags.queue, queueWindow: flags.queueWindow, hwaccel: flags.queue ? undefined : flags.hwaccel, progress, signal: controller.signal,
          onRecord: flags.queue ? undefined : s3Out?.publishSource, deferCommits: Boolean(s3Out && !flags.queue), remote: flags.queue && s3 && s3Out ? s3.remoteOutput(s3Out) : undefined, allowLocal: flags.allowLocal, allowPrivateNetwork: flags.allowPrivateNetwork, force: flags.force,
        });
        if (report.cancelled) {
          process.stderr.write('the run was cancelled; run the same command again to resume it\n');
          process.exitCode = 1;
          return;
        }
        if (s3 && s3Out) await s3.publishS3Output(s3Out, progress);
        reportFinished(report.counts, report.pack?.clipsKept ?? report.counts.clipsKept, report.pack?.shards ?? 0, s3Out?.uri ?? report.outDir);
        for (const warning of report.warnings) process.stderr.write(`warning: ${warning}\n`);
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
        await metered?.server.close();
      }
    });
}
