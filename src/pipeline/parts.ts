/**
 * How a run commits its finished sources into parts (pack/part-writer.ts), the same for a local
 * run, a queue worker and the reduce's sweep (pack's `prepare`, `thumbnail` and `makeWriter` hooks): tars of `pack.shardBytes`, thumbnails when
 * `pack.thumbnails` is on, and, just before a source's clips are packed, descriptions it still
 * lacks (captions that failed), since its clip files are gone once its part is committed.
 */
import type { RunConfig } from '../config/schema.js';
import { describeClips, needsDescribing, type Annotators } from '../annotate/describe-clips.js';
import { runAnnotators } from '../annotate/run-annotators.js';
import { makeThumbnail } from '../media/thumbnail.js';
import { PartCollector, type PartWriterOptions } from '../pack/part-writer.js';
import type { WriterFactory } from '../pack/writer.js';
import type { OutputDir } from '../store/output.js';
import type { SourceRecord } from '../types.js';

export function partWriterOptions(out: OutputDir, cfg: RunConfig, makeWriter?: WriterFactory): PartWriterOptions {
  let annotators: Annotators | undefined;
  return {
    shardBytes: cfg.pack.shardBytes,
    makeWriter,
    // A clip whose thumbnail cannot be made is still packed, without one.
    thumbnail: cfg.pack.thumbnails ? (clipFile) => makeThumbnail(clipFile).catch(() => undefined) : undefined,
    async prepare(record: SourceRecord): Promise<SourceRecord> {
      annotators ??= runAnnotators(cfg, out.root);
      if (record.status !== 'done' || !record.clips.some((c) => needsDescribing(c, annotators!))) return record;
      if (await describeClips(record, out.root, annotators)) await out.writeRecord(record);
      return record;
    },
  };
}

/** The collector of a run's finished sources in this process. */
export const partCollector = (out: OutputDir, cfg: RunConfig, makeWriter?: WriterFactory): PartCollector =>
  new PartCollector(out, partWriterOptions(out, cfg, makeWriter));
