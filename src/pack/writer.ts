/**
 * A sample writer, img2dataset style: one object that takes the kept clips of one part in index
 * order and writes them into files of one format, then closes them. WebDataset tar shards are the
 * built-in one (shards.ts); another format is another class beside it.
 */
import type { ClipRow } from './rows.js';

/** A kept clip ready to write: its index row and the size of its clip file on disk. */
export interface ShardInput {
  row: ClipRow;
  fileBytes: number;
}

/** One file a writer produced. */
export interface WrittenShard {
  /** Relative to the output directory, e.g. `shards/720p-16x9-d5-10/20260101T120000-0a1b2c3d-000000-0.tar`. */
  path: string;
  bucket: string;
  clips: number;
  bytes: number;
  sha256: string;
}

export interface SampleWriter {
  /** Adds one clip; sets `sample.row.shard` to the file that holds it. */
  write(sample: ShardInput): Promise<void>;
  /** Finishes every open file and returns all files written. */
  close(): Promise<WrittenShard[]>;
  /** Removes unfinished files after an error. */
  abort(err: Error): Promise<void>;
}

export interface WriterOptions {
  /** Target file size in bytes (config `pack.shardBytes`). */
  shardBytes: number;
  /** The part being written: file names start with it (`<partId>-<k>.tar`), so they never collide with another writer's. */
  partId: string;
  /** Makes a JPEG of a clip file when thumbnails are on. */
  thumbnail?: (clipFile: string) => Promise<Buffer | undefined>;
}

/** Makes the writer of one part into `outDir` (the default makes a WebDatasetWriter). */
export type WriterFactory = (outDir: string, opts: WriterOptions) => SampleWriter;
