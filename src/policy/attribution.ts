/**
 * The dataset's attribution file, `ATTRIBUTION.md`: for every licence that requires attribution
 * (unknown and proprietary included, since nothing can be assumed of them), the sources whose
 * clips are in the dataset, their rights holders and URLs; then clips and hours per licence.
 * Written after each pack and again after each takedown.
 */
import path from 'node:path';
import { OutputDir, writeFileAtomic } from '../store/output.js';
import { readSourceRecords } from '../pack/records.js';
import type { SourceRecord } from '../types.js';
import { readManifests, readPartRows } from '../pack/index-parts.js';
import { licenseTotals, type KeptClip } from './license-totals.js';
import { UNKNOWN, licenseTerms, licenseUrl } from './licenses.js';

export const ATTRIBUTION_FILE = 'ATTRIBUTION.md';

/** Metadata fields naming the rights holder, most specific first. */
const HOLDER_FIELDS = ['rights_holder', 'attribution', 'author', 'creator', 'artist', 'uploader', 'channel', 'owner'];
const TITLE_FIELDS = ['title', 'name'];

/** The kept clips of finished sources. */
export function* keptClipsOf(records: Iterable<SourceRecord>): Generator<KeptClip> {
  for (const record of records) {
    if (record.status !== 'done') continue;
    for (const c of record.clips) if (c.status === 'kept') yield { sourceId: record.id, license: record.license, duration: c.duration };
  }
}

function firstText(bags: ReadonlyArray<Record<string, unknown> | undefined>, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    for (const bag of bags) {
      const value = bag?.[field];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
  }
  return undefined;
}

const escapeMarkdown = (text: string): string => text.replace(/[\\`*_[\]<>|#]/g, '\\$&').replace(/\s+/g, ' ');

function sourceLine(record: SourceRecord): string {
  const bags = [record.metadata, record.provenance?.fetcherMetadata];
  const title = firstText(bags, TITLE_FIELDS);
  const holder = firstText(bags, HOLDER_FIELDS);
  const parts = [title ? `"${escapeMarkdown(title)}"` : undefined, holder ? `by ${escapeMarkdown(holder)}` : 'rights holder not stated'];
  return `- ${parts.filter(Boolean).join(', ')}: <${record.uri.replace(/>/g, '%3E')}>`;
}

/** The attribution document for the given records (those with kept clips only). */
export function renderAttribution(records: readonly SourceRecord[]): string {
  const summary = licenseTotals(keptClipsOf(records));
  const lines = [
    '# Attribution',
    '',
    'This dataset holds clips of the works below. For each licence that requires credit, the',
    'sources, their rights holders (as stated by the inputs or the hosting site) and URLs.',
    '',
  ];
  for (const license of Object.keys(summary)) {
    if (!licenseTerms(license).attribution) continue;
    const url = licenseUrl(license);
    lines.push(`## ${license}${url ? ` (${url})` : ''}`, '');
    const sources = records.filter((r) => (r.license ?? UNKNOWN) === license).sort((a, b) => (a.uri < b.uri ? -1 : 1));
    lines.push(...sources.map(sourceLine), '');
  }
  lines.push('## Licence summary', '', '| licence | sources | clips | hours |', '|---|---:|---:|---:|');
  for (const [license, t] of Object.entries(summary)) lines.push(`| ${license} | ${t.sources} | ${t.clips} | ${t.hours.toFixed(3)} |`);
  return lines.join('\n') + '\n';
}

/**
 * Each source record with the clips that count: once the dataset has final index parts, the
 * sources of each part with the clips its rows keep (pack may have dropped duplicates; a takedown
 * removed rows), part by part; before any, every record with its kept clips.
 */
async function* recordsWithKeptClips(outDir: string): AsyncGenerator<SourceRecord> {
  const out = new OutputDir(outDir);
  let parts = 0;
  for await (const manifest of readManifests(outDir, 'final')) {
    parts++;
    const rows = await readPartRows(outDir, manifest.part, 'final');
    const kept = new Set(rows.filter((row) => row.status === 'kept').map((row) => row.clip_id));
    for (const id of manifest.sources) {
      const record = await out.readRecord(id);
      if (record) yield { ...record, clips: record.clips.filter((c) => c.status === 'kept' && kept.has(c.clipId)) };
    }
  }
  if (parts > 0) return;
  for await (const record of readSourceRecords(outDir)) yield { ...record, clips: record.clips.filter((c) => c.status === 'kept') };
}

/** Writes `<outDir>/ATTRIBUTION.md` from the source records and the index (see above). Returns the file path. */
export async function writeAttribution(outDir: string): Promise<string> {
  const records: SourceRecord[] = [];
  for await (const record of recordsWithKeptClips(outDir)) {
    if (record.status === 'done' && record.clips.length > 0) records.push({ ...record, shots: undefined, transitions: undefined, probe: undefined });
  }
  const file = path.join(outDir, ATTRIBUTION_FILE);
  await writeFileAtomic(file, renderAttribution(records));
  return file;
}
