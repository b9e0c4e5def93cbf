/**
 * The describe step of a source: every kept clip gets a caption and category from the captioner
 * when one is configured (else a category from metadata rules alone) and an embedding when an
 * encoder is. It runs at the end of the per-source task, and again before pack for clips whose
 * caption failed earlier, so a rerun asks only for what is still missing.
 */
import type { CaptionConfig } from '../config/schema.js';
import { OutputDir } from '../store/output.js';
import type { ClipRecord, KeptClip, SourceRecord } from '../types.js';
import type { Captioner, ClipToDescribe, Description } from './captioner.js';
import type { ClipEmbedder } from './embedder.js';
import { categoryFromMetadata } from './taxonomy.js';

export interface Annotators {
  caption: CaptionConfig;
  captioner?: Captioner;
  embedder?: ClipEmbedder;
}

/** True when a kept clip still lacks what the captioner would give it. */
export function needsCaption(clip: ClipRecord): clip is KeptClip {
  return clip.status === 'kept' && clip.file !== undefined && (clip.captionModel === undefined || clip.captionError !== undefined);
}

/** True when a kept clip lacks a caption or an embedding that a configured annotator would give it. */
export function needsDescribing(clip: ClipRecord, a: Annotators): boolean {
  return (a.captioner !== undefined && needsCaption(clip)) || (a.embedder !== undefined && needsEmbedding(clip));
}

const needsEmbedding = (clip: ClipRecord): clip is KeptClip => clip.status === 'kept' && clip.file !== undefined && clip.embedding === undefined;

/** Describes the kept clips of a record that still need it; returns whether any clip changed. */
export async function describeClips(record: SourceRecord, outRoot: string, a: Annotators, signal?: AbortSignal): Promise<boolean> {
  const sourceMeta = [record.metadata, record.provenance?.fetcherMetadata ?? {}];
  const cfg = a.caption;
  const captioner = a.captioner;
  const frameCount = (clip: ClipRecord) => Math.max(1, Math.round(clip.duration * (clip.fps ?? record.probe?.video.fps ?? 25)));
  let changed = false;
  // A clip's file is read only inside its source's clip folder (a record on disk may have been edited).
  const out = new OutputDir(outRoot);
  const fileOf = (clip: KeptClip) => out.clipFile(record.id, clip.file!);
  if (a.embedder) {
    // One clip at a time: the encoder already uses every core.
    for (const clip of record.clips.filter(needsEmbedding)) {
      const file = await fileOf(clip);
      if (!file) continue;
      clip.embedding = await a.embedder.embed(file, frameCount(clip), signal);
      changed = true;
    }
  }
  await Promise.all(
    record.clips.map(async (clip) => {
      if (clip.status !== 'kept') return;
      if (!captioner) {
        if (clip.category) return;
        const category = categoryFromMetadata([clip.metadata ?? {}, ...sourceMeta], cfg.taxonomy);
        if (category) Object.assign(clip, { category, categorySource: 'metadata' });
        changed ||= category !== undefined;
        return;
      }
      if (!needsCaption(clip)) return;
      const file = await fileOf(clip);
      if (!file) return;
      const input: ClipToDescribe = {
        clipId: clip.clipId,
        file,
        duration: clip.duration,
        frameCount: frameCount(clip),
        datasetCaption: datasetCaption(clip),
        metadata: [clip.metadata ?? {}, ...sourceMeta],
      };
      applyDescription(clip, await captioner.describe(input, signal), cfg);
      changed = true;
    }),
  );
  return changed;
}

/** The caption a dataset brought with the clip (kept in metadata once a model caption replaces it). */
function datasetCaption(clip: KeptClip): string | undefined {
  const kept = clip.metadata?.dataset_caption;
  if (typeof kept === 'string') return kept;
  return clip.captionModel === undefined ? clip.caption : undefined;
}

function applyDescription(clip: KeptClip, d: Description, cfg: CaptionConfig): void {
  if (d.category) {
    clip.category = d.category;
    clip.categorySource = d.categorySource;
  }
  if (d.captionError !== undefined || d.caption === undefined) {
    clip.captionError = d.captionError ?? 'no caption';
    return;
  }
  const own = datasetCaption(clip);
  if (own !== undefined) clip.metadata = { ...clip.metadata, dataset_caption: own };
  clip.caption = d.caption;
  clip.captionModel = d.captionModel;
  clip.captionError = undefined;
  clip.tags = d.tags;
  clip.defects = d.defects;
  // Tokens are what this clip's caption cost when it was asked for; a cache hit costs nothing new.
  if (!d.cached || clip.captionTokens === undefined) {
    const prompt = d.promptTokens ?? 0;
    const completion = d.completionTokens ?? 0;
    clip.captionTokens = { prompt, completion, cost: (prompt * cfg.promptPricePer1k + completion * cfg.completionPricePer1k) / 1000 };
  }
}
