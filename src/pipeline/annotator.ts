/**
 * A clip annotator: adds signals, a caption or metadata to kept clips (a model, a remote
 * endpoint, a measurement). It may take clips in batches and declares how many batches it runs at
 * once; `annotateStage` turns one into a per-source stage.
 */
import pLimit from 'p-limit';
import type { Signals } from '../schema/signals.js';
import type { ClipRecord } from '../types.js';
import { keptClips, type SourceStage, type SourceWork } from './stage.js';

/** What an annotator adds to one clip; every field is optional. */
export interface Annotation {
  /** Merged into the clip's signals (filters placed after the annotator can read them). */
  signals?: Signals;
  caption?: string;
  /** Merged into the clip's metadata. */
  metadata?: Record<string, unknown>;
}

export interface ClipAnnotator {
  readonly name: string;
  /** One line for `clipmill run --explain`. */
  readonly description?: string;
  /** Clips per call of `annotate` (default 1; Infinity: every kept clip of the source at once). */
  readonly batchSize?: number;
  /** Calls in flight at once per source (default 1). */
  readonly concurrency?: number;
  /**
   * One annotation per clip of `clips`, in their order. Before the extract stage a clip has no
   * file; after it, `path.join(work.out.root, clip.file)` is the written clip.
   */
  annotate(clips: readonly Readonly<ClipRecord>[], work: SourceWork): Promise<Annotation[]>;
}

export function annotateStage(annotator: ClipAnnotator, opts: { timing?: string | false } = {}): SourceStage {
  return {
    name: annotator.name,
    description: annotator.description ?? `annotator ${annotator.name}`,
    timing: opts.timing,
    async run(work) {
      const clips = keptClips(work);
      if (clips.length === 0) return;
      const size = Math.max(1, Math.min(annotator.batchSize ?? 1, clips.length));
      const limit = pLimit(Math.max(1, annotator.concurrency ?? 1));
      const batches = Array.from({ length: Math.ceil(clips.length / size) }, (_, i) => clips.slice(i * size, (i + 1) * size));
      await Promise.all(batches.map((batch) => limit(async () => {
        work.signal?.throwIfAborted();
        const annotations = await annotator.annotate(batch, work);
        if (annotations.length !== batch.length) {
          throw new Error(`annotator ${annotator.name} returned ${annotations.length} annotations for ${batch.length} clips`);
        }
        batch.forEach((clip, i) => applyAnnotation(clip, annotations[i]!));
      })));
    },
  };
}

function applyAnnotation(clip: ClipRecord, a: Annotation): void {
  if (a.signals) clip.signals = { ...clip.signals, ...(a.signals as Record<string, number>) };
  if (a.caption !== undefined) clip.caption = a.caption;
  if (a.metadata) clip.metadata = { ...clip.metadata, ...a.metadata };
}
