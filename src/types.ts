/**
 * The shapes that cross module boundaries: a source to process, what fetching it produced,
 * the shots and clips found in it, and the one record a per-source task leaves behind.
 * Every stage reads and writes these; nothing else is shared between stages.
 */
import type { ErrorCode } from './errors.js';

/** Where a source came from in the inputs: a manifest row, a directory walk or a bare argument. */
export interface SourceOrigin {
  /** The manifest file, directory or argument the source was read from. */
  input: string;
  /** 1-based line (text manifests) or row number (Parquet, JSON arrays) in `input`; absent otherwise. */
  line?: number;
}

/** A clip span fixed by the dataset itself (presets): only these spans become clips. */
export interface PresetSpan {
  /** Seconds from the start of the source. */
  start: number;
  end: number;
  /** The dataset's own id for the clip, kept as metadata. */
  datasetClipId?: string;
  caption?: string;
  /** Any other per-clip fields the dataset publishes (e.g. Panda-70M matching_score). */
  metadata?: Record<string, unknown>;
}

export type SourceKind = 'http' | 'file' | 'ytdlp' | 's3';

/** One video to process, as ingest produced it. */
export interface Source {
  /** Deterministic id derived from the canonical URI (see sources/ids.ts). */
  id: string;
  /** Canonical URI: an http(s) URL, or an absolute local path. */
  uri: string;
  kind: SourceKind;
  /** Other manifest columns, kept as they were. */
  metadata: Record<string, unknown>;
  origin: SourceOrigin;
  /** SPDX-normalised licence id when known (policy/licenses.ts), else undefined. */
  license?: string;
  /** Spans fixed by a dataset preset; when present no shot detection crosses them. */
  spans?: PresetSpan[];
}

/** A manifest row that could not become a source: reported with file and line, then skipped. */
export interface RowError {
  input: string;
  line?: number;
  message: string;
}

/** What fetching a source produced: a local file to read, plus provenance of the bytes. */
export interface FetchResult {
  path: string;
  bytes: number;
  sha256: string;
  /** URL after redirects (http), or the path. */
  finalUri: string;
  retrievedAt: string;
  /** Response headers of interest (lower-cased names), e.g. content-type, x-robots-tag. */
  headers: Record<string, string>;
  /** Metadata reported by the fetcher (yt-dlp: title, uploader, license, ...). */
  metadata?: Record<string, unknown>;
}

/** What ffprobe says about a video, reduced to what the pipeline uses. */
export interface ProbeInfo {
  container: string;
  durationSec: number;
  sizeBytes: number;
  bitRate?: number;
  video: {
    codec: string;
    /** Display size after rotation. */
    width: number;
    height: number;
    /** Average frame rate (frames per second). */
    fps: number;
    /** Frame count when the container states it, else estimated from duration × fps. */
    frameCount: number;
    frameCountExact: boolean;
    rotation: number;
    pixFmt?: string;
    fieldOrder?: string;
    /** True when r_frame_rate and avg_frame_rate disagree (likely variable frame rate). */
    variableFrameRate: boolean;
  };
  audio?: { codec: string; sampleRate?: number; channels?: number };
}

/** A shot: frames [startFrame, endFrame] inclusive; times are presentation times in seconds. */
export interface Shot {
  startFrame: number;
  endFrame: number;
  startTime: number;
  /** Time of the first frame after the shot (exclusive end). */
  endTime: number;
}

/** A transition found between shots. Hard cuts have zero-length spans. */
export interface Transition {
  kind: 'cut' | 'gradual';
  /** For a cut: the first frame of the new shot. For a gradual one: first and last frame of the transition. */
  startFrame: number;
  endFrame: number;
}

export type ClipStatus = 'kept' | 'dropped';

/** What every clip of a source has, kept or dropped: its planned span and what was measured of it. */
interface ClipFields {
  clipId: string;
  startFrame: number;
  /** Inclusive. */
  endFrame: number;
  startTime: number;
  /** Exclusive: the time of the first frame after the clip. */
  endTime: number;
  duration: number;
  fps?: number;
  /** The clip's caption: the model's when captioned (captionModel set), else the dataset's own. */
  caption?: string;
  /** Quality signals (motion, sharpness, ...), by name. */
  signals?: Record<string, number>;
  /** Perceptual signature for near-duplicate search, hex. */
  signature?: string;
  metadata?: Record<string, unknown>;
}

/** A clip that passed the filters; its file and what describes it are set once it is written. */
export interface KeptClip extends ClipFields {
  status: 'kept';
  reason?: never;
  /** Output file, relative to the output directory. */
  file?: string;
  width?: number;
  height?: number;
  bytes?: number;
  /** True when boundaries snapped to keyframes (stream copy). */
  snappedToKeyframes?: boolean;
  /** Model that wrote `caption`. */
  captionModel?: string;
  /** Why the caption could not be had; a rerun asks again. */
  captionError?: string;
  /** Tokens the caption cost at the endpoint, and their price at the configured rates. */
  captionTokens?: { prompt: number; completion: number; cost: number };
  /** Content category from the taxonomy, and how it was assigned. */
  category?: string;
  categorySource?: 'vlm' | 'metadata';
  /** Tags and visible defects the model named (structured answers). */
  tags?: string[];
  defects?: string[];
  /** Unit-length embedding of the clip's frames (mean-pooled), from the configured encoder. */
  embedding?: number[];
}

/** A clip a filter (or the plan) dropped: never written, kept in the record for the audit. */
export interface DroppedClip extends ClipFields {
  status: 'dropped';
  /** `<filter>: <measured value>`, e.g. `static: motion_mean=0.12 < 0.25`. */
  reason: string;
  file?: never;
  width?: never;
  height?: never;
  bytes?: never;
  snappedToKeyframes?: never;
}

/** One clip of a source: kept (with its file) or dropped (with its reason). */
export type ClipRecord = KeptClip | DroppedClip;

export type SourceStatus = 'done' | 'failed' | 'refused';

/** The one record a per-source task writes (atomically, last) to sources/<id[0:2]>/<id>.json. */
export interface SourceRecord {
  version: 1;
  id: string;
  uri: string;
  kind: SourceKind;
  status: SourceStatus;
  origin: SourceOrigin;
  metadata: Record<string, unknown>;
  license?: string;
  provenance?: {
    finalUri: string;
    retrievedAt: string;
    bytes: number;
    sha256: string;
    headers?: Record<string, string>;
    fetcherMetadata?: Record<string, unknown>;
  };
  probe?: ProbeInfo;
  shots?: Shot[];
  transitions?: Transition[];
  clips: ClipRecord[];
  error?: { code: ErrorCode; message: string; transient: boolean };
  /** Seconds spent per stage (fetch, probe, analyse, extract, total). */
  timings: Record<string, number>;
  startedAt: string;
  finishedAt: string;
}
