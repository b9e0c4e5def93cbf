/**
 * The dataset card, written with every pack: `README.md` with Hugging Face dataset-card YAML
 * (licence, task categories, size category, tags, configs for the shards and the index) and
 * `croissant.json`, a Croissant 1.0 JSON-LD description of the shards and the index columns, so
 * the folder can be pushed to a hub as it is. Both come from the dataset totals (stats.json's
 * figures and the union of the index parts' columns), never from the rows, so writing them costs
 * the same for a dataset of any size.
 */
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import path from 'node:path';
import { licenseUrl, PROPRIETARY, UNKNOWN } from '../policy/licenses.js';
import { writeFileAtomic } from '../store/output.js';
import { INDEX_GLOB } from './index-parts.js';
import type { PackStats } from './stats.js';

export const CARD_FILE = 'README.md';
export const CROISSANT_FILE = 'croissant.json';
const INDEX = INDEX_GLOB;
const SHARDS_GLOB = 'shards/*/*.tar';

/** Hugging Face's size_categories buckets, by number of samples. */
const SIZE_BUCKETS: ReadonlyArray<readonly [number, string]> = [
  [1e3, 'n<1K'], [1e4, '1K<n<10K'], [1e5, '10K<n<100K'], [1e6, '100K<n<1M'], [1e7, '1M<n<10M'],
  [1e8, '10M<n<100M'], [1e9, '100M<n<1B'], [1e10, '1B<n<10B'],
];
export const sizeCategory = (n: number): string => SIZE_BUCKETS.find(([limit]) => n < limit)?.[1] ?? 'n>1T';

/** Hugging Face licence ids are lower-case SPDX ids; what has no such id is `other` (or `unknown`). */
export function hubLicense(spdx: string): string {
  if (spdx === UNKNOWN) return 'unknown';
  if (spdx === PROPRIETARY || spdx === 'public-domain') return 'other';
  return spdx.toLowerCase();
}

export interface IndexColumn {
  name: string;
  /** Croissant (schema.org) data type. */
  dataType: 'sc:Text' | 'sc:Float' | 'sc:Integer' | 'sc:Boolean';
  /** A list column (the embedding): many values of `dataType` per row. */
  repeated?: boolean;
}

const croissantType = (type: string | undefined): IndexColumn['dataType'] =>
  type === 'DOUBLE' || type === 'FLOAT' ? 'sc:Float'
    : type === 'INT32' || type === 'INT64' ? 'sc:Integer'
      : type === 'BOOLEAN' ? 'sc:Boolean'
        : 'sc:Text';

/**
 * The index's columns and their types, read from the Parquet file's own schema: the root's
 * children, a LIST group (its `list` and `element` below it) being one repeated column.
 */
export async function indexColumns(file: string): Promise<IndexColumn[]> {
  const { schema } = await parquetMetadataAsync(await asyncBufferFromFile(file));
  const columns: IndexColumn[] = [];
  let i = 1;
  while (i < schema.length) {
    const element = schema[i]!;
    // A group's leaf is the last element of its subtree (LIST > list > element).
    let end = i;
    for (let open = element.num_children ?? 0; open > 0; open--) open += schema[++end]!.num_children ?? 0;
    const leaf = schema[end]!;
    columns.push({ name: element.name, dataType: croissantType(leaf.type), ...(end > i ? { repeated: true } : {}) });
    i = end + 1;
  }
  return columns;
}

const yamlString = (text: string): string => JSON.stringify(text);

function frontMatter(stats: PackStats, hasCaptions: boolean): string {
  const licences = [...new Set(Object.keys(stats.licences).map(hubLicense))].sort();
  const tasks = hasCaptions ? ['text-to-video', 'video-text-to-text'] : ['other'];
  const lines = [
    '---',
    licences.length === 1 ? `license: ${licences[0]}` : ['license:', ...licences.map((l) => `- ${l}`)].join('\n'),
    'task_categories:', ...tasks.map((t) => `- ${t}`),
    'size_categories:', `- ${sizeCategory(stats.clips.kept)}`,
    'tags:', '- video', '- clips', '- webdataset', '- clipmill',
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: train',
    `    path: ${yamlString(SHARDS_GLOB)}`,
    '- config_name: index',
    '  data_files:',
    '  - split: train',
    `    path: ${yamlString(INDEX)}`,
    '---',
  ];
  return lines.join('\n');
}

function body(stats: PackStats, name: string): string {
  const licenceRows = Object.entries(stats.licences).map(([id, t]) => `| ${id} | ${t.sources} | ${t.clips} | ${t.hours.toFixed(3)} |`);
  const drops = Object.entries(stats.clips.dropped_by_reason).map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
  return `
# ${name}

A video clip dataset made by [clipmill](https://github.com/clipmill/clipmill): ${stats.clips.kept} clips
(${stats.hours.kept_clip_hours.toFixed(3)} hours) cut at shot boundaries from ${stats.sources.done} source videos
(${stats.hours.source_video_hours.toFixed(3)} hours), packed on ${stats.end_time}.

## Files

- \`${SHARDS_GLOB}\`: WebDataset tar shards; each sample is \`<clip_id>.mp4\` (or \`.webm\`), \`<clip_id>.json\`
  (clip metadata, source provenance and licence), \`<clip_id>.txt\` (caption, when there is one) and
  \`<clip_id>.jpg\` (thumbnail, when the dataset was made with \`--thumbnails\`).
- \`${INDEX}\`: the index, one Parquet file per part, together one row per clip, kept and dropped,
  with its status, the reason a clip was dropped, provenance and quality signals (config \`index\`
  above; DuckDB: \`SELECT * FROM read_parquet('${INDEX}', union_by_name=true)\`, as parts may differ in
  their signal columns).
- \`stats.json\`: counts, hours, failures and drops by reason. \`ATTRIBUTION.md\`: credits per licence.
- \`${CROISSANT_FILE}\`: Croissant metadata of the shards and the index columns.

## Composition

| licence | sources | clips | hours |
|---|---:|---:|---:|
${licenceRows.join('\n')}

${stats.sources.failed} sources failed and ${stats.sources.refused} were refused; ${stats.clips.dropped} clips were dropped (${drops}).
\`clipmill report <dir>\` writes the full datasheet (\`report.html\`).

## Use

\`\`\`python
from datasets import load_dataset
clips = load_dataset("webdataset", data_files={"train": "${SHARDS_GLOB}"}, split="train", streaming=True)
index = load_dataset("parquet", data_files="${INDEX}", split="train")
\`\`\`

Check each clip's licence (the \`license\` column, \`ATTRIBUTION.md\`) before use.
`;
}

const CROISSANT_CONTEXT = {
  '@language': 'en', '@vocab': 'https://schema.org/', sc: 'https://schema.org/', cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/', dct: 'http://purl.org/dc/terms/',
  citeAs: 'cr:citeAs', column: 'cr:column', conformsTo: 'dct:conformsTo', data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' }, examples: { '@id': 'cr:examples', '@type': '@json' },
  extract: 'cr:extract', field: 'cr:field', fileProperty: 'cr:fileProperty', fileObject: 'cr:fileObject', fileSet: 'cr:fileSet',
  format: 'cr:format', includes: 'cr:includes', isLiveDataset: 'cr:isLiveDataset', jsonPath: 'cr:jsonPath', key: 'cr:key',
  md5: 'cr:md5', parentField: 'cr:parentField', path: 'cr:path', recordSet: 'cr:recordSet', references: 'cr:references',
  regex: 'cr:regex', repeated: 'cr:repeated', replace: 'cr:replace', separator: 'cr:separator', source: 'cr:source',
  subField: 'cr:subField', transform: 'cr:transform',
};

export function croissant(name: string, stats: PackStats, columns: readonly IndexColumn[]): Record<string, unknown> {
  const licences = Object.keys(stats.licences).map((id) => licenseUrl(id) ?? id);
  return {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: 'http://mlcommons.org/croissant/1.0',
    name,
    description: `${stats.clips.kept} video clips (${stats.hours.kept_clip_hours.toFixed(3)} h) from ${stats.sources.done} sources, made by clipmill.`,
    license: licences.length === 1 ? licences[0] : licences,
    url: '.',
    datePublished: stats.end_time,
    distribution: [
      { '@type': 'cr:FileSet', '@id': 'index', name: 'index', description: 'The index, one Parquet file per part', encodingFormat: 'application/x-parquet', includes: INDEX },
      { '@type': 'cr:FileSet', '@id': 'shards', name: 'shards', description: 'WebDataset tar shards of the kept clips', encodingFormat: 'application/x-tar', includes: SHARDS_GLOB },
    ],
    recordSet: [{
      '@type': 'cr:RecordSet',
      '@id': 'clips',
      name: 'clips',
      description: 'One record per clip, kept and dropped (the index parts).',
      key: { '@id': 'clips/clip_id' },
      field: columns.map((c) => ({
        '@type': 'cr:Field', '@id': `clips/${c.name}`, name: c.name, dataType: c.dataType, ...(c.repeated ? { repeated: true } : {}),
        source: { fileSet: { '@id': 'index' }, extract: { column: c.name } },
      })),
    }],
  };
}

/** Writes README.md and croissant.json into a packed dataset folder; `columns`: the index's (see totals.ts). */
export async function writeDatasetCard(outDir: string, stats: PackStats, opts: { hasCaptions: boolean; columns: readonly IndexColumn[] }): Promise<void> {
  const name = path.basename(path.resolve(outDir));
  await writeFileAtomic(path.join(outDir, CARD_FILE), `${frontMatter(stats, opts.hasCaptions)}\n${body(stats, name)}`);
  await writeFileAtomic(path.join(outDir, CROISSANT_FILE), `${JSON.stringify(croissant(name, stats, opts.columns), null, 2)}\n`);
}
