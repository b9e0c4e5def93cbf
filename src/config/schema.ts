/**
 * The run configuration: one zod schema holds every option with its default. A config file
 * (`--config clipmill.json`) and command-line flags are merged into it (flags win).
 */
import { z } from 'zod';
import { DEFAULT_PROMPT } from '../annotate/prompt.js';
import { DEFAULT_TAXONOMY } from '../annotate/taxonomy.js';

export const FetchConfig = z.strictObject({
  /** Seconds without progress before a request is abandoned. */
  timeoutSec: z.number().positive().default(30),
  /**
   * Longest one download attempt may take, seconds, plus one second per `deadlineBytesPerSec`
   * bytes of the size the server announces; past it the attempt fails with `timeout` (transient).
   */
  deadlineSec: z.number().positive().default(600),
  deadlineBytesPerSec: z.number().positive().default(256 * 1024),
  /** A download slower than this many bytes/s over `minRateWindowSec` seconds fails with `too_slow` (transient). */
  minRateBytesPerSec: z.number().min(0).default(16 * 1024),
  minRateWindowSec: z.number().positive().default(20),
  /** Attempts per source for transient failures (network, 5xx, 429). */
  retries: z.number().int().min(0).default(3),
  /** First backoff delay; doubles each attempt, with jitter. */
  backoffSec: z.number().positive().default(1),
  /** Largest download accepted, in bytes. */
  maxBytes: z.number().int().positive().default(4 * 1024 ** 3),
  userAgent: z.string().default('clipmill/0.1 (+https://github.com/clipmill/clipmill)'),
  /** Concurrent downloads per host. */
  perHostConcurrency: z.number().int().positive().default(2),
  /** Requests per second per host (0 = unlimited). */
  perHostRps: z.number().min(0).default(2),
  /** yt-dlp executable for web pages that are not media files. */
  ytDlpPath: z.string().default('yt-dlp'),
  /** Tallest video yt-dlp picks (mp4 preferred). */
  ytDlpMaxHeight: z.number().int().positive().default(720),
  /**
   * Longest pause accepted from a host (Retry-After or host-wide backoff), seconds. A host that asks
   * for more fails its sources with `rate_limited` (transient: a later run retries them).
   */
  maxWaitSec: z.number().positive().default(300),
});

export const SegmentConfig = z.strictObject({
  /** Shortest clip kept, seconds: shorter shots are dropped with reason `too_short`. */
  minClipSec: z.number().positive().default(2),
  /** Longest clip, seconds: longer shots are split into pieces no longer than this. */
  maxClipSec: z.number().positive().default(10),
  /** Detector sensitivity multiplier (lower finds more cuts). */
  threshold: z.number().positive().default(1),
  /** Analysis frame width in pixels (height follows the aspect ratio). */
  analysisWidth: z.number().int().min(16).default(160),
  /** Every boundary the rules find is checked by the learned verifier (src/segment/verifier.ts); false: the rules alone. */
  verify: z.boolean().default(true),
}).refine((c) => c.minClipSec <= c.maxClipSec, { message: 'minClipSec must not be larger than maxClipSec', path: ['minClipSec'] });

export const ExtractConfig = z.strictObject({
  codec: z.enum(['h264', 'vp9', 'av1']).default('h264'),
  maxHeight: z.number().int().positive().default(720),
  /** Frame-rate cap (0 = keep the source rate). */
  maxFps: z.number().min(0).default(0),
  crf: z.number().int().min(0).max(63).default(23),
  preset: z.string().default('veryfast'),
  keepAudio: z.boolean().default(false),
  /** Stream copy: fast, but boundaries snap to keyframes (recorded in clip metadata). */
  streamCopy: z.boolean().default(false),
  /** Crop detected letterbox/pillarbox bars away when extracting. */
  cropBars: z.boolean().default(false),
});

export const PackConfig = z.strictObject({
  /** Target shard size in bytes. */
  shardBytes: z.number().int().positive().default(1024 ** 3),
  /** Write a JPEG thumbnail per clip into the shards. */
  thumbnails: z.boolean().default(false),
  /** Content-mix targets (src/pack/mix.ts): category → share of kept hours; stats.json reports achieved vs target. */
  mix: z.strictObject({
    targets: z.record(z.string(), z.number().min(0).max(1)).default({})
      .refine((t) => Object.values(t).reduce((a, b) => a + b, 0) <= 1 + 1e-9, { message: 'mix targets add up to more than 1' }),
    /** Leave clips of over-full categories out (reason `mix`) so the kept mix approaches the targets. */
    balance: z.boolean().default(false),
    /** Share of each category's own hours that balancing always keeps. */
    floor: z.number().min(0).max(1).default(0),
  }).default({ targets: {}, balance: false, floor: 0 }),
});

/** Rights policy: declared use, licence admission, opt-outs (see src/policy/policy.ts for the defaults). */
export const PolicyConfig = z.strictObject({
  /**
   * Intended use of the dataset: 'commercial', 'research', 'non-commercial', 'internal', or any
   * name given a licence list in `admit`. Absent: no licence gate (provenance is still recorded).
   */
  use: z.string().min(1).optional(),
  /** Use name → admitted licences (SPDX ids or any spelling; `CC-BY-*` style globs), replacing the defaults for that use. */
  admit: z.record(z.string(), z.array(z.string())).default({}),
  /** Admit sources whose licence is unknown under a declared use. */
  allowUnknownLicense: z.boolean().default(false),
  /** Licence of sources that state none (`--license`). */
  defaultLicense: z.string().optional(),
  /** Manifest column holding the licence (common names are found automatically). */
  licenseColumn: z.string().optional(),
  /** Opt-out list files: domains, URL prefixes, glob patterns or source ids, one a line. */
  optOutList: z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v])).default([]),
  /** Refuse sources whose server sends an opting-out X-Robots-Tag. */
  honorRobotsTag: z.boolean().default(true),
  /** X-Robots-Tag directives that refuse a source (noindex/none too: see src/policy/optout.ts). */
  robotsTagDirectives: z.array(z.string()).default(['noai', 'noimageai', 'noindex', 'noimageindex', 'none']),
});

/**
 * Clip filters (src/filters/judge.ts): a clip failing any of them is dropped with a reason naming
 * the filter and the measured value. Units: luma levels 0..255 at analysis size; shares 0..1.
 */
export const FilterConfig = z.strictObject({
  /**
   * Drop clips whose relative motion is below this: local motion (the largest change of a 32x32
   * cell of the picture over a second, less what noise gives; src/analysis/picture-change.ts) over
   * the clip's contrast, so a dim or low-contrast shot is judged as its bright copy would be. A
   * still image, a static title, a slideshow, even under film grain. Set just above what grainy
   * stills give (up to 0.145 on the bench's dev split, moving footage from 0.70): slow real motion
   * sits between, and exact stills are caught by `frozen` anyway (bench/filters/RESULTS.md).
   */
  minRelativeMotion: z.number().min(0).default(0.2),
  /** Drop clips whose mean change is above this (strobing, noise, shaky chaos). */
  maxMotion: z.number().positive().default(30),
  /**
   * Drop clips whose median sharpness (fine detail relative to contrast at analysis size,
   * src/analysis/frame-metrics.ts) is below this: blurred or out of focus. Real sharp footage gives
   * 129 and more at any resolution and codec (bench/filters), blurred copies 77 and less.
   */
  minSharpness: z.number().min(0).default(100),
  /**
   * Drop clips whose median edge sharpness (how much of the strong edges' slope a 3x3 re-blur takes
   * away, src/analysis/edge-sharpness.ts) is below this. It does not count noise and 8-bit steps in
   * flat areas, so a blurred dark, low-contrast scene that minSharpness reads as sharp is caught;
   * minSharpness catches blurred text and line art, which this measure reads as sharper than
   * blurred edges. Set on bench/filters' dev split: every blurred copy up to 20.1 (those that
   * minSharpness keeps up to 16.7), good from 27.4; 23 lies between the midpoints of the two gaps.
   */
  minEdgeSharpness: z.number().min(0).default(23),
  /**
   * Drop clips of sources coded with fewer bits per pixel per frame than this (container bit rate
   * over width x height x fps): heavy compression such as x264 crf 51 (0.001-0.007 on real
   * footage), where good encodes give 0.02 and more. 0 turns the filter off.
   */
  minBitsPerPixel: z.number().min(0).default(0.012),
  /**
   * Drop clips whose mean frame quantiser, as the decoder reports it on its codec's scale (H.264 QP
   * over 51, VP9 q index over 255), is above this: 0.78 is H.264 QP 40 and over. Read only where
   * the codec exports it (h264, vp9); elsewhere minBitsPerPixel alone judges. 1 turns it off.
   */
  maxQuantiser: z.number().min(0).max(1).default(0.78),
  /** Drop clips whose mean luma is below this (too dark)... */
  minLuma: z.number().min(0).max(255).default(20),
  /** ...or above this (washed out). */
  maxLuma: z.number().min(0).max(255).default(235),
  /** Drop clips where more than this share of frames belong to a stretch of 0.5 s or more in which the picture stopped. */
  maxFrozenShare: z.number().min(0).max(1).default(0.5),
  /** Drop clips where more than this share of frames is a single colour (black, test cards). */
  maxSingleColorShare: z.number().min(0).max(1).default(0.5),
  /** Drop clips whose letterbox or pillarbox bars cover more than this share of the height or width, unless bars are cropped. */
  maxBarShare: z.number().min(0).max(1).default(0.1),
  /**
   * Score clips with the NSFW classifier bundled in the nsfwjs package (src/analysis/safety.ts):
   * about a second of CPU per sampled frame, so off by default.
   */
  safety: z.boolean().default(false),
  /** With `safety` on, drop clips whose nsfw score (0..1, see src/analysis/safety.ts) is above this. */
  maxNsfw: z.number().min(0).max(1).default(0.5),
});

/**
 * Captions and categories from a vision-language model behind an OpenAI-compatible endpoint
 * (src/annotate/captioner.ts). Off unless `endpoint` is set.
 */
export const CaptionConfig = z.strictObject({
  /** Base URL of the API, ending in /v1 (vLLM, SGLang, llama-server, Ollama, LM Studio, hosted). */
  endpoint: z.string().url().optional(),
  /** Model name sent with each request. */
  model: z.string().min(1).default('default'),
  /** Environment variable holding the API key (sent as a Bearer token, never written anywhere). */
  apiKeyEnv: z.string().min(1).default('CLIPMILL_CAPTION_API_KEY'),
  /** Prompt template: {{title}}, {{caption}} (the dataset's own), {{duration}}, {{categories}}; {{#x}}…{{/x}} only when x is set. */
  prompt: z.string().min(1).default(DEFAULT_PROMPT),
  /** Ask for JSON {caption, category, tags, defects} and validate it. */
  structured: z.boolean().default(true),
  /** Frames sent per clip, evenly spaced, as JPEG image_url parts. */
  frames: z.number().int().min(1).max(32).default(4),
  /** Largest width of a sent frame, pixels. */
  frameWidth: z.number().int().min(32).max(4096).default(448),
  /** Send the clip itself as a video_url data URI instead of frames (servers that take video). */
  sendVideo: z.boolean().default(false),
  /** Requests in flight at once, across the whole run (per process). */
  concurrency: z.number().int().positive().default(8),
  timeoutSec: z.number().positive().default(120),
  retries: z.number().int().min(0).default(3),
  backoffSec: z.number().positive().default(1),
  /** Longest Retry-After accepted from the endpoint, seconds. */
  maxWaitSec: z.number().positive().default(120),
  maxTokens: z.number().int().positive().default(300),
  /** Prices per 1,000 tokens, for the cost estimate in stats.json (0 = not estimated). */
  promptPricePer1k: z.number().min(0).default(0),
  completionPricePer1k: z.number().min(0).default(0),
  /** Categories a clip may be given. */
  taxonomy: z.array(z.string().min(1)).min(1).default([...DEFAULT_TAXONOMY]),
});

/** Clip embeddings from a user-given ONNX image encoder (src/annotate/embedder.ts), and semantic dedup over them. */
export const EmbedConfig = z.strictObject({
  /** Path of the encoder (.onnx): one float32 input [N, 3, H, W], one [N, D] output. Off when absent. */
  model: z.string().min(1).optional(),
  /** Frames embedded per clip, evenly spaced, then mean-pooled. */
  frames: z.number().int().min(1).max(64).default(4),
  /** Pixel normalisation after scaling to 0..1: CLIP's by default. */
  mean: z.tuple([z.number(), z.number(), z.number()]).default([0.48145466, 0.4578275, 0.40821073]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).default([0.26862954, 0.26130258, 0.27577711]),
  /** Drop clips whose embedding has at least this cosine similarity with a kept clip's (pack); 0 turns it off. */
  dedupThreshold: z.number().min(0).max(1).default(0.95),
});

// Strict objects: a misspelt key in a config file is an error, not a silently ignored setting.
export const RunConfig = z.strictObject({
  /** Concurrent per-source tasks. */
  workers: z.number().int().positive().default(2),
  /** Manifest column holding the URL or path (auto-detected when absent). */
  urlColumn: z.string().optional(),
  /** Dataset preset for manifest layout (hdvila, panda70m, webvid, internvid, kinetics). */
  preset: z.string().optional(),
  fetch: FetchConfig.default(FetchConfig.parse({})),
  segment: SegmentConfig.default(SegmentConfig.parse({})),
  extract: ExtractConfig.default(ExtractConfig.parse({})),
  pack: PackConfig.default(PackConfig.parse({})),
  policy: PolicyConfig.default(PolicyConfig.parse({})),
  filter: FilterConfig.default(FilterConfig.parse({})),
  caption: CaptionConfig.default(CaptionConfig.parse({})),
  embed: EmbedConfig.default(EmbedConfig.parse({})),
});
export type RunConfig = z.infer<typeof RunConfig>;
export type FetchConfig = z.infer<typeof FetchConfig>;
export type SegmentConfig = z.infer<typeof SegmentConfig>;
export type ExtractConfig = z.infer<typeof ExtractConfig>;
export type PackConfig = z.infer<typeof PackConfig>;
export type PolicyConfig = z.infer<typeof PolicyConfig>;
export type FilterConfig = z.infer<typeof FilterConfig>;
export type CaptionConfig = z.infer<typeof CaptionConfig>;
export type EmbedConfig = z.infer<typeof EmbedConfig>;

export const defaultConfig = (): RunConfig => RunConfig.parse({});
