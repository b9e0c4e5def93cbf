/**
 * The persistent signature index: copies found across adds (exact and shifted), no false match on
 * unrelated signatures, idempotent adds, a killed add ignored, merges, and the same verdicts as
 * markDuplicates over the union of the batches on a random set.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { markDuplicates, type DedupRow } from '../../src/pack/dedup.js';
import { SignatureIndex } from '../../src/pack/signature-index.js';
import { seededRandom } from '../../src/util/random.js';

/** Deterministic random 32-bit words. */
function rng(seed: number): () => number {
  const next = seededRandom(seed);
  return () => Math.floor(next() * 2 ** 32);
}

type Hash = [number, number];
const hex = (w: number) => w.toString(16).padStart(8, '0');
const encode = (hashes: Hash[]) => hashes.map(([hi, lo]) => hex(hi) + hex(lo)).join('');

/** Random clips and copies of them with a few bits flipped per hash, some shifted by 4 samples. */
class Footage {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = rng(seed);
  }
  hashes(n = 16): Hash[] {
    return Array.from({ length: n }, () => [this.rand(), this.rand()] as Hash);
  }
  flip(hashes: Hash[], bits: number): Hash[] {
    return hashes.map(([hi, lo]) => {
      const out: Hash = [hi, lo];
      const chosen = new Set<number>();
      while (chosen.size < bits) chosen.add(this.rand() % 64);
      for (const b of chosen) out[b >> 5] = (out[b >> 5] ^ (1 << (31 - (b & 31)))) >>> 0;
      return out;
    });
  }
  shifted(hashes: Hash[]): Hash[] {
    return [...hashes.slice(4), ...this.hashes(4)];
  }
}

const clip = (clipId: string, hashes: Hash[], extra: Partial<DedupRow> = {}): DedupRow => ({
  clipId, sourceId: `src-${clipId}`, signature: encode(hashes), width: 640, height: 360, duration: 4, ...extra,
});

describe('SignatureIndex', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-sigidx-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));
  const fresh = async (name: string) => SignatureIndex.open(path.join(dir, name));

  it('finds exact and shifted copies of clips added earlier, and nothing for unrelated clips', async () => {
    const f = new Footage(1);
    const originals = Array.from({ length: 50 }, () => f.hashes());
    const index = await fresh('copies');
    await index.add('part-1', originals.slice(0, 25).map((h, i) => clip(`o${i}`, h)));
    await index.add('part-2', originals.slice(25).map((h, i) => clip(`o${25 + i}`, h)));
    const batch = [
      clip('exact', originals[3]),
      clip('noisy', f.flip(originals[30], 4)),
      clip('shifted', f.flip(f.shifted(originals[12]), 2)),
      ...Array.from({ length: 40 }, (_, i) => clip(`new${i}`, f.hashes())),
    ];
    const dup = await index.findDuplicates(batch);
    assert.deepEqual([...dup].sort(), [['exact', 'o3'], ['noisy', 'o30'], ['shifted', 'o12']]);
    await index.close();
  });

  it('keeps the indexed clip over a better new copy, and sends a whole batch group to it', async () => {
    const f = new Footage(2);
    const h = f.hashes();
    const index = await fresh('kept');
    await index.add('old', [clip('old', h, { width: 320, height: 180 })]);
    const dup = await index.findDuplicates([clip('big', f.flip(h, 1), { width: 1920, height: 1080 }), clip('mid', h, { width: 1280, height: 720 })]);
    assert.deepEqual([...dup].sort(), [['big', 'old'], ['mid', 'old']]);
    // Same footage (one source, overlapping spans) is never a copy of itself.
    const same = await index.findDuplicates([clip('again', h, { sourceId: 'src-old' })]);
    assert.equal(same.size, 0);
    await index.close();
  });

  it('adds a runId once, also after reopening, and survives a killed add', async () => {
    const f = new Footage(3);
    const rows = Array.from({ length: 10 }, (_, i) => clip(`c${i}`, f.hashes()));
    const folder = path.join(dir, 'idempotent');
    let index = await SignatureIndex.open(folder);
    await index.add('p1', rows);
    await index.add('p1', rows);
    assert.equal(index.size, 10);
    await index.close();
    // A killed add leaves a partial temporary file: it is not a run and is removed on open.
    await writeFile(path.join(folder, `.tmp-999-deadbeef.sigrun`), Buffer.alloc(1000, 7));
    index = await SignatureIndex.open(folder);
    assert.equal(index.size, 10);
    assert.equal(index.has('p1'), true);
    await index.add('p1', rows);
    assert.equal(index.size, 10);
    assert.deepEqual((await readdir(folder)).filter((n) => n.startsWith('.tmp')), []);
    const dup = await index.findDuplicates([clip('copy', rows[7].signature ? f.flip(decode(rows[7].signature), 3) : [])]);
    assert.deepEqual([...dup], [['copy', 'c7']]);
    await index.close();
  });

  it('merges runs and still finds every clip; a merge killed before it unlinked its inputs is cleaned up', async () => {
    const f = new Footage(4);
    const folder = path.join(dir, 'merge');
    const index = await SignatureIndex.open(folder);
    const all: Hash[][] = [];
    const saved = path.join(dir, 'merge-inputs');
    for (let p = 0; p < 20; p++) {
      const hashes = Array.from({ length: 5 }, () => f.hashes());
      all.push(...hashes);
      await index.add(`p${p}`, hashes.map((h, i) => clip(`p${p}-${i}`, h)));
      if (p === 2) await cp(folder, saved, { recursive: true });
    }
    assert.equal(index.size, 100);
    const runs = index.runCount;
    assert.ok(runs < 20, `runs were not merged: ${runs}`);
    await index.close();
    // The first three runs again beside the run they were merged into, as a killed merge leaves them.
    await cp(saved, folder, { recursive: true, force: false, errorOnExist: false });
    const reopened = await SignatureIndex.open(folder);
    assert.equal(reopened.size, 100);
    assert.equal(reopened.runCount, runs);
    const probes = all.map((h, i) => clip(`q${i}`, f.flip(h, 3)));
    const dup = await reopened.findDuplicates(probes);
    assert.equal(dup.size, 100);
    for (let i = 0; i < 100; i++) assert.equal(dup.get(`q${i}`), `p${Math.floor(i / 5)}-${i % 5}`);
    await reopened.close();
  });

  /** Batches of random clips and copies (exact, noisy, shifted) of a shared pool; earlier batches hold the better copies. */
  function batchesOf(seed: number, sizes: number[]): DedupRow[][] {
    const f = new Footage(seed);
    const bases = Array.from({ length: 300 }, () => f.hashes());
    return sizes.map((n, b) => {
      // Earlier batches are larger pictures, so "the indexed clip is kept" agrees with markDuplicates' choice.
      const size = { width: 1920 - b * 100, height: 1080 - b * 50 };
      return Array.from({ length: n }, (_, i) => {
        const roll = f.hashes(1)[0][0] % 10;
        const of = bases[f.hashes(1)[0][0] % bases.length];
        const hashes = roll < 5 ? f.hashes() : roll < 8 ? f.flip(of, roll - 4) : f.flip(f.shifted(of), 2);
        return clip(`b${b}-${i}`, hashes, size);
      });
    });
  }

  async function throughIndex(name: string, batches: DedupRow[][], options = {}): Promise<{ verdicts: Map<string, string>; runs: number }> {
    const index = await SignatureIndex.open(path.join(dir, name), options);
    const verdicts = new Map<string, string>();
    for (const [b, batch] of batches.entries()) {
      const dup = await index.findDuplicates(batch);
      for (const [k, v] of dup) verdicts.set(k, v);
      await index.add(`batch-${b}`, batch.filter((r) => !dup.has(r.clipId)));
    }
    const runs = index.runCount;
    await index.close();
    return { verdicts, runs };
  }

  it('gives the verdicts of markDuplicates over the union when batches go through it in turn', async () => {
    const batches = batchesOf(5, [150, 150, 150, 150]);
    const expected = markDuplicates(batches.flat());
    assert.ok(expected.size > 100, `too few copies to compare: ${expected.size}`);
    const { verdicts } = await throughIndex('union', batches);
    assert.deepEqual([...verdicts].sort(), [...expected].sort());
  });

  it('agrees with markDuplicates with short keys too, where runs store refs only and merge with pair runs', async () => {
    // 11-bit keys: a run of 128 clips or more has an entry for every key (refs only); fewer store pairs.
    const options = { keyBits: 11 };
    const batches = batchesOf(6, [130, 250, 130, 250, 130, 250, 130, 250, 130]);
    const expected = markDuplicates(batches.flat(), options);
    const { verdicts, runs } = await throughIndex('short-keys', batches, options);
    assert.ok(runs < batches.length, `runs were not merged: ${runs}`);
    assert.deepEqual([...verdicts].sort(), [...expected].sort());
  });

  it('refuses to open with other LSH tables than it was built with', async () => {
    const folder = path.join(dir, 'copies');
    await assert.rejects(SignatureIndex.open(folder, { keyBits: 20 }), /LSH tables/);
  });
});

function decode(signature: string): Hash[] {
  const out: Hash[] = [];
  for (let i = 0; i + 16 <= signature.length; i += 16) out.push([parseInt(signature.slice(i, i + 8), 16), parseInt(signature.slice(i + 8, i + 16), 16)]);
  return out;
}
