/**
 * The default clipmill pipeline with two additions: a colourfulness filter before extraction (so
 * dull clips are never encoded) and a bit-rate annotator after it.
 *
 *   node dist/pipeline.js <video or manifest>... <output dir>
 */
import { run, stages, RunProgress, type SourceStage } from 'clipmill';
import { bitrateTag } from './bitrate-tag.js';
import { MinColorfulness } from './min-colorfulness.js';

function withExtras(list: SourceStage[]): SourceStage[] {
  const extract = list.findIndex((stage) => stage.name === 'extract');
  return [
    ...list.slice(0, extract),
    stages.filterStage({ name: 'colour', filters: [new MinColorfulness(5)] }),
    ...list.slice(extract),
    stages.annotateStage(bitrateTag),
  ];
}

const args = process.argv.slice(2);
const out = args.pop();
if (!out || args.length === 0) {
  console.error('usage: node dist/pipeline.js <input>... <output dir>');
  process.exit(2);
}
const report = await run({
  inputs: args,
  out,
  config: { segment: { minClipSec: 1, maxClipSec: 4 } },
  stages: withExtras,
  progress: new RunProgress(),
});
for (const warning of report.warnings) console.error(`warning: ${warning}`);
console.log(JSON.stringify({ done: report.counts.done, clipsKept: report.pack?.clipsKept, shards: report.pack?.shards }));
