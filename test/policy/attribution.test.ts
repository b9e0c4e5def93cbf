import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { PackConfig } from '../../src/config/schema.js';
import { pack } from '../../src/pack/index.js';
import type { DedupRow } from '../../src/pack/dedup.js';
import { partFiles } from '../../src/pack/index-parts.js';
import { readIndexFile, writeIndexFile } from '../../src/pack/index-parquet.js';
import { keptClipsOf, renderAttribution, writeAttribution } from '../../src/policy/attribution.js';
import { licenseTotals } from '../../src/policy/license-totals.js';
import type { ClipRecord, SourceRecord } from '../../src/types.js';
import { buildFixture, PARTS } from './dataset-fixture.js';

function record(id: string, license: string | undefined, metadata: Record<string, unknown>, clipSeconds: number[], status: SourceRecord['status'] = 'done'): SourceRecord {
  const clips: ClipRecord[] = clipSeconds.map((sec, i) => ({
    clipId: `${id}-${i}`, startFrame: 0, endFrame: 0, startTime: 0, endTime: sec, duration: sec, status: 'kept',
  }));
  return {
    version: 1, id, uri: `https://v.example.com/${id}.mp4`, kind: 'http', status, origin: { input: 'm.csv' }, metadata,
    license, clips, timings: {}, startedAt: '', finishedAt: '',
  };
}

const RECORDS = [
  record('s1', 'CC-BY-4.0', { title: 'Sunset *timelapse*', author: 'Ana [Studio]' }, [1800, 1800]),
  record('s2', 'CC-BY-4.0', { uploader: 'Bo' }, [360]),
  record('s3', 'CC0-1.0', { author: 'Cy' }, [3600]),
  record('s4', undefined, {}, [36]),
  record('s5', 'CC-BY-NC-SA-4.0', { channel: 'Dee TV' }, [72]),
  record('s6', 'CC-BY-4.0', { author: 'Failed' }, [10], 'failed'),
];

test('licence totals count sources with kept clips, kept clips and hours per licence of finished sources', () => {
  assert.deepEqual(licenseTotals(keptClipsOf(RECORDS)), {
    'CC-BY-4.0': { sources: 2, clips: 3, hours: 1.1 },
    'CC-BY-NC-SA-4.0': { sources: 1, clips: 1, hours: 0.02 },
    'CC0-1.0': { sources: 1, clips: 1, hours: 1 },
    unknown: { sources: 1, clips: 1, hours: 0.01 },
  });
});

test('the attribution lists, per licence requiring credit, sources, rights holders and URLs', () => {
  const md = renderAttribution(RECORDS.filter((r) => r.status === 'done'));
  assert.match(md, /^## CC-BY-4\.0 \(https:\/\/creativecommons\.org\/licenses\/by\/4\.0\/\)$/m);
  assert.match(md, /^- "Sunset \\\*timelapse\\\*", by Ana \\\[Studio\\\]: <https:\/\/v\.example\.com\/s1\.mp4>$/m);
  assert.match(md, /^- by Bo: <https:\/\/v\.example\.com\/s2\.mp4>$/m);
  assert.match(md, /^## CC-BY-NC-SA-4\.0 /m);
  assert.match(md, /by Dee TV/);
  assert.match(md, /^## unknown$/m);
  assert.match(md, /rights holder not stated: <https:\/\/v\.example\.com\/s4\.mp4>/);
  // CC0 needs no credit: no section, only the summary row.
  assert.doesNotMatch(md, /^## CC0/m);
  assert.doesNotMatch(md, /by Cy/);
  assert.match(md, /^\| CC0-1\.0 \| 1 \| 1 \| 1\.000 \|$/m);
});

test('writeAttribution leaves out sources whose clips the index no longer keeps', async () => {
  const f = await buildFixture();
  try {
    const file = partFiles(f.dir, PARTS.abc, 'final').parquet;
    const b = f.sources.b!;
    // Pack dropped both clips of b as duplicates.
    const rows = (await readIndexFile(file)).map((r) => (r.source_id === b.id ? { ...r, status: 'dropped' as const, reason: 'duplicate', shard: null } : r));
    await writeIndexFile(file, rows);
    const md = await readFile(await writeAttribution(f.dir), 'utf8');
    assert.match(md, /by Uploader A/);
    assert.doesNotMatch(md, /Uploader B/);
    assert.doesNotMatch(md, /Uploader D/, 'CC0 needs no attribution');
    assert.match(md, /^\| CC-BY-4\.0 \| 1 \| 2 \|/m);
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('stats.json and ATTRIBUTION.md give the same licence totals, also when pack drops every clip of a source', async () => {
  const f = await buildFixture({ pending: true });
  try {
    const { a, b } = f.sources;
    // Pack drops both clips of b as copies of a's first clip: b is done but has nothing in the dataset.
    const duplicates = new Map(b!.clipIds.map((id) => [id, a!.clipIds[0]!]));
    const index = { findDuplicates: async (_batch: DedupRow[]) => duplicates, add: async () => {}, close: async () => {} };
    const summary = await pack(f.dir, PackConfig.parse({}), { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:01.000Z' }, {
      duplicateIndex: async () => index,
    });
    assert.equal(summary.duplicates, 2);
    const md = await readFile(await writeAttribution(f.dir), 'utf8');
    const table = md.split('## Licence summary')[1]!.split('\n').filter((line) => /^\| [^-l]/.test(line));
    const stats = summary.stats.licences;
    assert.deepEqual(
      table,
      Object.entries(stats).map(([license, t]) => `| ${license} | ${t.sources} | ${t.clips} | ${t.hours.toFixed(3)} |`),
    );
    assert.equal(stats[b!.license]!.sources, Object.values(f.sources).filter((s) => s.license === b!.license && s !== b).length);
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});
