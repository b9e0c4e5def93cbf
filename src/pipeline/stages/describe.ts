/**
 * The describe stage: captions and categories from the configured vision-language endpoint (or
 * categories from metadata rules alone) and embeddings from the configured encoder, for the kept
 * clips once they are written. One instance serves a whole run, so its caption requests share one
 * concurrency limit across all of the run's tasks in this process.
 */
import type { Annotators } from '../../annotate/describe-clips.js';
import { describeClips } from '../../annotate/describe-clips.js';
import { runAnnotators } from '../../annotate/run-annotators.js';
import type { RunConfig } from '../../config/schema.js';
import type { SourceStage } from '../stage.js';

export function describeStage(cfg: RunConfig): SourceStage {
  // Made on first use: the caption cache lives in the output folder, which the stage meets then.
  let annotators: Annotators | undefined;
  const what = [
    cfg.caption.endpoint ? `captions and categories from ${cfg.caption.model} at ${cfg.caption.endpoint}` : 'categories from metadata rules',
    ...(cfg.embed.model ? [`embeddings from ${cfg.embed.model}`] : []),
  ];
  return {
    name: 'describe',
    description: `${what.join('; ')} (config caption, embed)`,
    async run(work) {
      annotators ??= runAnnotators(work.cfg, work.out.root);
      await describeClips(work.record, work.out.root, annotators, work.signal);
    },
  };
}
