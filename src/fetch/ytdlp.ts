/**
 * Web pages that are not media files go through yt-dlp: one invocation per source that downloads the
 * media (only the needed time span when a preset gives spans) and prints its info JSON. Failures are
 * classified from yt-dlp's own error lines. No option that evades a block is ever passed: no proxy
 * rotation, no browser cookies, no impersonation; the configured user agent names clipmill. Unless
 * private networks are allowed, yt-dlp connects through clipmill's loopback egress guard
 * (egress-proxy.ts), so no redirect it follows reaches a private address.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { FetchConfig } from '../config/schema.js';
import { ErrorCode, FatalError } from '../errors.js';
import { TailBuffer } from '../media/ffmpeg.js';
import type { FetchResult, PresetSpan } from '../types.js';
import { checkHostResolvesPublic, privateAddressError } from './address-policy.js';
import { startEgressProxy, throughGuard } from './egress-proxy.js';
import { FetchError } from './failure.js';
import { hashFile } from './hash.js';

/** Fields of yt-dlp's info JSON kept as provenance. */
const KEPT_FIELDS = [
  'id',
  'title',
  'uploader',
  'uploader_id',
  'channel',
  'channel_id',
  'upload_date',
  'duration',
  'license',
  'tags',
  'categories',
  'webpage_url',
  'extractor_key',
  'width',
  'height',
  'section_start',
  'section_end',
];

export interface YtDlpRequest {
  url: string;
  /** File name stem inside `workDir` (the source id). */
  name: string;
  workDir: string;
  spans?: PresetSpan[];
  signal?: AbortSignal;
  /** Let yt-dlp reach private, loopback and link-local addresses (--allow-private-network). */
  allowPrivateNetwork?: boolean;
}

/**
 * Downloads one page's video. With spans, only the section from the earliest start to the latest end
 * is fetched; the file then starts at `metadata.section_start` seconds of the original video.
 */
export async function fetchWithYtDlp(req: YtDlpRequest, cfg: FetchConfig): Promise<FetchResult> {
  const run = await guardedYtDlp(req.url, ytDlpArgs(req, cfg), cfg, req);
  const info = lastJsonLine(run.stdout);
  if (run.code !== 0 || !info) {
    if (run.code === 0 && /max-filesize/i.test(run.stdout + run.stderr)) {
      throw new FetchError(ErrorCode.TooLarge, `The video is larger than the ${cfg.maxBytes}-byte limit.`, false);
    }
    throw classifyYtDlpFailure(run.stderr);
  }
  const file = typeof info.filepath === 'string' ? info.filepath : undefined;
  if (!file) throw new FetchError(ErrorCode.HttpError, 'yt-dlp reported no downloaded file.', false);
  const digest = await hashFile(file);
  if (digest.bytes === 0) throw new FetchError(ErrorCode.EmptyFile, 'yt-dlp downloaded an empty file.', false);
  return {
    path: file,
    bytes: digest.bytes,
    sha256: digest.sha256,
    finalUri: typeof info.webpage_url === 'string' ? info.webpage_url : req.url,
    retrievedAt: new Date().toISOString(),
    headers: {},
    metadata: keptFields(info),
  };
}

/**
 * Asks yt-dlp what it knows of a page without downloading any media (only what extraction reads,
 * e.g. the page itself): the info fields kept as provenance, `license` among them.
 */
export async function ytDlpMetadata(
  url: string,
  cfg: FetchConfig,
  opts: { signal?: AbortSignal; allowPrivateNetwork?: boolean } = {},
): Promise<Record<string, unknown>> {
  const run = await guardedYtDlp(url, [...commonArgs(cfg), '--skip-download', '--dump-single-json', '--', url], cfg, opts);
  const info = lastJsonLine(run.stdout);
  if (run.code !== 0 || !info) throw classifyYtDlpFailure(run.stderr);
  return keptFields(info);
}

const keptFields = (info: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(KEPT_FIELDS.filter((k) => info[k] != null).map((k) => [k, info[k]]));

/** Options of every invocation: no user config, one video, our user agent, timeout and retry policy. */
function commonArgs(cfg: FetchConfig): string[] {
  return [
    '--ignore-config',
    '--no-playlist',
    '--no-colors',
    '--user-agent',
    cfg.userAgent,
    '--socket-timeout',
    String(cfg.timeoutSec),
    // Retries of whole downloads are ours (index.ts), with host-wide backoff; yt-dlp must not hammer.
    '--retries',
    '0',
    '--extractor-retries',
    '0',
  ];
}

function ytDlpArgs(req: YtDlpRequest, cfg: FetchConfig): string[] {
  const h = cfg.ytDlpMaxHeight;
  // '%' starts a yt-dlp template field, so literal ones in the path are doubled.
  const output = path.join(path.resolve(req.workDir), req.name).replaceAll('%', '%%') + '.%(ext)s';
  const args = [
    ...commonArgs(cfg),
    '--no-progress',
    '--no-mtime',
    '--no-simulate',
    '--print',
    'after_move:%()j',
    '--fragment-retries',
    String(cfg.retries),
    '--max-filesize',
    String(cfg.maxBytes),
    '-f',
    // `<=?`: a format whose height is unknown (a bare media URL) still qualifies.
    `b[ext=mp4][height<=?${h}]/bv*[ext=mp4][height<=?${h}]+ba[ext=m4a]/b[height<=?${h}]/bv*[height<=?${h}]+ba/b`,
    '-o',
    output,
  ];
  const section = coveringSection(req.spans);
  if (section) args.push('--download-sections', `*${section.start}-${section.end}`);
  args.push('--', req.url);
  return args;
}

function coveringSection(spans: PresetSpan[] | undefined): { start: number; end: number } | undefined {
  if (!spans?.length) return undefined;
  return { start: Math.min(...spans.map((s) => s.start)), end: Math.max(...spans.map((s) => s.end)) };
}

/**
 * Runs yt-dlp on `url`, by default through the egress guard: its host is checked first (a clear
 * error before anything starts), then every connection it makes. A run that failed after the
 * guard refused a connection fails with that refusal.
 */
async function guardedYtDlp(url: string, args: string[], cfg: FetchConfig, opts: { signal?: AbortSignal; allowPrivateNetwork?: boolean }): Promise<YtDlpRun> {
  if (opts.allowPrivateNetwork) return runYtDlp(cfg.ytDlpPath, args, opts.signal);
  await checkHostResolvesPublic(url);
  const guard = await startEgressProxy();
  try {
    const run = await runYtDlp(cfg.ytDlpPath, [...throughGuard(guard), ...args], opts.signal);
    const refused = guard.refusals[0];
    if (run.code !== 0 && refused) throw privateAddressError(refused.host, refused.address);
    return run;
  } finally {
    await guard.close();
  }
}

interface YtDlpRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs yt-dlp in its own process group: on abort the whole group is killed, so the ffmpeg it
 * starts (merging formats, --download-sections) cannot keep downloading after the task is gone.
 */
function runYtDlp(cmd: string, args: string[], signal?: AbortSignal): Promise<YtDlpRun> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has already exited.
      }
    };
    const onAbort = (): void => {
      killGroup();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const out: Buffer[] = [];
    const err = new TailBuffer();
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      if (e.code === 'ENOENT') {
        reject(new FatalError(`yt-dlp was not found at '${cmd}'. Install it (e.g. apt-get install yt-dlp) or set fetch.ytDlpPath.`));
      } else reject(e);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: err.toString() });
    });
  });
}

function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.trim().split('\n').pop();
  if (!line?.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Ordered: the first rule whose pattern matches yt-dlp's error text decides. */
const FAILURE_RULES: Array<{ pattern: RegExp; error: (line: string) => FetchError }> = [
  {
    pattern: /confirm your age|age.restricted|members.only|private video|video is private|video unavailable|has been removed|no longer available|copyright|account .*terminated|video is not available/i,
    error: (line) => new FetchError(ErrorCode.Unavailable, `The video is unavailable: ${line}`, false),
  },
  {
    pattern: /HTTP Error 429|Too Many Requests|Sign in to confirm|not a bot|bot check|captcha|rate.?limit/i,
    error: (line) =>
      new FetchError(ErrorCode.RateLimited, `The site asked us to slow down or checked for bots: ${line}`, true, undefined, true),
  },
  {
    pattern: /HTTP Error (404|410)/,
    error: (line) => new FetchError(ErrorCode.HttpNotFound, `The page does not exist: ${line}`, false),
  },
  {
    pattern: /HTTP Error 40[13]/,
    error: (line) => new FetchError(ErrorCode.HttpForbidden, `The site refused access: ${line}`, false),
  },
  {
    pattern: /Unsupported URL|No video formats found/i,
    error: (line) => new FetchError(ErrorCode.Unavailable, `yt-dlp found no video on this page: ${line}`, false),
  },
  {
    pattern: /timed out/i,
    error: (line) => new FetchError(ErrorCode.Timeout, `The site stopped responding: ${line}`, true),
  },
  {
    pattern: /HTTP Error 5\d\d/,
    error: (line) => new FetchError(ErrorCode.HttpError, `The site failed to answer: ${line}`, true),
  },
  {
    pattern: /Connection refused|Connection reset|Network is unreachable|No route to host|name resolution|Name or service not known|getaddrinfo|RemoteDisconnected|Remote end closed|IncompleteRead|urlopen error/i,
    error: (line) => new FetchError(ErrorCode.NetworkError, `The connection to the site failed: ${line}`, true),
  },
];

/** Turns yt-dlp's stderr into a FetchError with a stable code. */
export function classifyYtDlpFailure(stderr: string): FetchError {
  const line = errorLine(stderr);
  const rule = FAILURE_RULES.find((r) => r.pattern.test(line));
  return rule ? rule.error(line) : new FetchError(ErrorCode.HttpError, `yt-dlp could not fetch this source: ${line}`, false);
}

/** yt-dlp's first ERROR line without its boilerplate, or the last line of stderr. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => l.startsWith('ERROR:')) ?? lines.pop() ?? 'no error output';
  return line.replace(/^ERROR:\s*/, '').replace(/;\s*please report this issue.*$/i, '').slice(0, 500);
}
