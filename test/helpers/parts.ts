/**
 * What a consistent output folder of layout v2 looks like, checked from the files alone: every
 * tar under shards/ belongs to exactly one committed part (pending or final) whose manifest states
 * its bytes and sha256; every source is in exactly one part; every kept row names a tar of its own
 * part that holds its sample; no journal, marker, staged clip or temporary file is left. Returns
 * what must match between two runs of the same input, whatever parts they were cut into.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { listParts, readManifest, readPartRows, type PartState } from '../../src/pack/index-parts.js';
import { memberKey } from '../../src/pack/shards.js';
import { OutputDir } from '../../src/store/output.js';
import type { SourceRecord } from '../../src/types.js';
import { readTar, RECORDS } from '../pack/fixture.js';

export interface PartsView {
  /** Source ids of all parts, sorted. */
  sources: string[];
  /** `<member name> <sha256>` for every member of every tar (of a `.json` member's stable fields), sorted. */
  members: string[];
  /** `<clip id> <status> <reason>` for every row of every part, sorted. */
  rows: string[];
}

/** The one field that legitimately differs between two runs of the same input: when a source was fetched. */
const VOLATILE = new Set(['retrieved_at']);

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** A `.json` member without its volatile fields. */
const stableJson = (data: Buffer): string =>
  JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(data.toString('utf8')) as object).filter(([k]) => !VOLATILE.has(k))));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

export async function checkParts(outDir: string, states: PartState[] = ['pending', 'final']): Promise<PartsView> {
  const view: PartsView = { sources: [], members: [], rows: [] };
  const listed = new Map<string, { bytes: number; sha256: string }>();
  for (const state of states) {
    for (const partId of await listParts(outDir, state)) {
      const manifest = (await readManifest(outDir, partId, state))!;
      view.sources.push(...manifest.sources);
      const tars = new Map<string, Set<string>>();
      for (const shard of manifest.shards) {
        assert.ok(!listed.has(shard.path), `${shard.path} is listed by two parts`);
        listed.set(shard.path, shard);
        const members = await readTar(path.join(outDir, shard.path));
        tars.set(shard.path, new Set(members.map((m) => m.name)));
        view.members.push(...members.map((m) => `${m.name} ${sha256(m.name.endsWith('.json') ? stableJson(m.data) : m.data)}`));
      }
      for (const row of await readPartRows(outDir, partId, state)) {
        assert.ok(manifest.sources.includes(row.source_id), `row ${row.clip_id} of part ${partId} is of a source the part does not list`);
        view.rows.push(`${row.clip_id} ${row.status} ${row.reason ?? ''}`);
        if (row.status !== 'kept') continue;
        assert.ok(row.shard && tars.get(row.shard)?.has(`${memberKey(row.clip_id)}.json`), `kept clip ${row.clip_id} is in its shard ${row.shard}`);
      }
    }
  }
  const onDisk = (await filesUnder(path.join(outDir, 'shards'))).map((f) => path.relative(outDir, f).split(path.sep).join('/'));
  assert.deepEqual(onDisk.sort(), [...listed.keys()].sort(), 'the tars on disk are exactly those of committed parts');
  for (const [rel, stated] of listed) {
    const data = await fs.readFile(path.join(outDir, rel));
    assert.deepEqual({ bytes: data.byteLength, sha256: sha256(data) }, { bytes: stated.bytes, sha256: stated.sha256 }, `${rel} as its manifest states`);
  }
  const leftovers = (await filesUnder(path.join(outDir, 'index'))).filter((f) => f.endsWith('.writing') || f.endsWith('.tmp'));
  assert.deepEqual(leftovers, [], 'no journal or temporary file left');
  assert.deepEqual(await filesUnder(path.join(outDir, 'pending')), [], 'no source left marked');
  assert.deepEqual(await filesUnder(path.join(outDir, 'clips')), [], 'no staged clip left');
  view.sources.sort();
  assert.equal(new Set(view.sources).size, view.sources.length, `every source in one part: ${view.sources.join(', ')}`);
  view.members.sort();
  view.rows.sort();
  return view;
}

/** The readable records of a pack fixture folder (test/pack/fixture.ts), as a writer would commit them. */
export async function fixtureRecords(out: string): Promise<SourceRecord[]> {
  const dir = new OutputDir(out);
  return (await Promise.all(RECORDS.map((r) => dir.readRecord(r.id)))).filter((r): r is SourceRecord => r !== undefined);
}
