/**
 * A persistent near-duplicate index on disk, so that a growing dataset is deduped against
 * everything already in it without loading it. Same LSH tables and matching rules as dedup.ts.
 *
 * The folder holds immutable runs (signature-runs.ts), one per add(), named by the clip refs they
 * cover; compaction merges the newest runs once FANOUT of them sit at one size level (log base
 * FANOUT of the clip count) or below, so there are O(FANOUT x log n) runs and each clip is
 * rewritten O(log n) times. Lookups read directory slots,
 * entries and records with coalesced preads; memory does not grow with the index.
 *
 * Crash safety: a run is written under a temporary name, synced and renamed; a merged run first,
 * its inputs unlinked after. On open, temporary files are removed, and a run whose refs lie inside
 * another (the inputs of a merge killed before its unlinks) is removed. One writer at a time (the
 * reduce holds the output's lock).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEDUP_DEFAULTS, markDuplicates, type DedupOptions, type DedupRow } from './dedup.js';
import { hamming64 } from '../analysis/phash.js';
import { BitSampler, MAX_SAMPLES, better, confirmedCopy, pairable, parseSignatures, tableSeed, type Hashes } from './dedup-match.js';
import { RunReader, mergeRuns, writeRun, type StoredClip } from './signature-runs.js';
import { writeFileAtomic } from '../store/output.js';

/** Runs of one size level merged together once there are this many. */
const FANOUT = 8;
/** A merge never makes a run of more clips than this (entries of a table stay below 2^32). */
const MAX_RUN_CLIPS = 2 ** 27;
/** Batch rows looked up in the index at a time (bounds the candidate lists). */
const LOOKUP_ROWS = 256;
/** Packing of a lookup hit into one number (see matchInRun). */
const HIT_TABLE = 2 ** 12;
const HIT_REF = 2 ** 20;
const RUN_SUFFIX = '.sigrun';
const TEMP_PREFIX = '.tmp-';

const level = (count: number) => Math.floor(Math.log(Math.max(1, count)) / Math.log(FANOUT));

interface IndexMeta {
  version: 1;
  tables: number;
  keyBits: number;
}

export class SignatureIndex {
  private readonly samplers: BitSampler[];

  private constructor(
    private readonly dir: string,
    private readonly opts: Required<DedupOptions>,
    private runs: RunReader[],
  ) {
    this.samplers = Array.from({ length: opts.tables }, (_, t) => new BitSampler(opts.keyBits, tableSeed(t)));
  }

  /** Opens (creating it if needed) the index in `dir`. The LSH tables are fixed when it is created. */
  static async open(dir: string, options: DedupOptions = {}): Promise<SignatureIndex> {
    const opts = { ...DEDUP_DEFAULTS, ...options };
    if (opts.tables > 256 || LOOKUP_ROWS * MAX_SAMPLES > HIT_TABLE) throw new Error('The signature index takes at most 256 LSH tables.');
    mkdirSync(dir, { recursive: true });
    const metaFile = path.join(dir, 'signature-index.json');
    if (existsSync(metaFile)) {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as IndexMeta;
      if (meta.tables !== opts.tables || meta.keyBits !== opts.keyBits) {
        throw new Error(`${dir} was built with ${meta.tables} LSH tables of ${meta.keyBits} bits, not ${opts.tables} of ${opts.keyBits}.`);
      }
    } else {
      await writeFileAtomic(metaFile, JSON.stringify({ version: 1, tables: opts.tables, keyBits: opts.keyBits } satisfies IndexMeta) + '\n');
    }
    const runs: RunReader[] = [];
    for (const name of readdirSync(dir)) {
      if (name.startsWith(TEMP_PREFIX) || name.endsWith('.tmp')) unlinkSync(path.join(dir, name));
      else if (name.endsWith(RUN_SUFFIX)) runs.push(RunReader.open(path.join(dir, name)));
    }
    return new SignatureIndex(dir, opts, dropContained(runs));
  }

  /** Clips in the index. */
  get size(): number {
    return this.runs.reduce((sum, r) => sum + r.footer.count, 0);
  }

  /** Runs on disk (lookups read each). */
  get runCount(): number {
    return this.runs.length;
  }

  has(runId: string): boolean {
    return this.runs.some((r) => r.footer.runIds.includes(runId));
  }

  /**
   * clipId -> kept clip id it duplicates, for the batch against the index and within the batch.
   * Within the batch markDuplicates picks; a batch group that copies an indexed clip goes to the
   * indexed clip (the best one, if it copies several), which is always the one kept.
   */
  async findDuplicates(batch: DedupRow[]): Promise<Map<string, string>> {
    const out = markDuplicates(batch, this.opts);
    const indexed = this.matchIndexed(batch);
    const groupOf = (row: DedupRow) => out.get(row.clipId) ?? row.clipId;
    const keptFor = new Map<string, StoredClip>();
    batch.forEach((row, r) => {
      const match = indexed[r];
      if (!match) return;
      const group = groupOf(row);
      const current = keptFor.get(group);
      if (!current || better(match, current)) keptFor.set(group, match);
    });
    for (const row of batch) {
      const kept = keptFor.get(groupOf(row));
      if (!kept) continue;
      // As in markDuplicates: never call a clip a copy of its own footage.
      if (pairable(row, kept)) out.set(row.clipId, kept.clipId);
      else out.delete(row.clipId);
    }
    return out;
  }

  /** Adds kept clips as one run named runId (adding the same runId again is a no-op). */
  async add(runId: string, rows: DedupRow[]): Promise<void> {
    if (this.has(runId)) return;
    const hashes = parseSignatures(rows);
    // Clips without a signature can never match. Without any, nothing is written (and adding again changes nothing either).
    const usable = rows.filter((_, r) => hashes.counts[r] > 0);
    if (usable.length === 0) return;
    const base = this.runs.length ? this.runs[this.runs.length - 1].end : 0;
    if (base + usable.length >= 2 ** 32) throw new Error('The signature index holds at most 2^32 clips.');
    const kept = usable.length === rows.length ? hashes : parseSignatures(usable);
    this.runs.push(this.publish([runId], base, base + usable.length, (file) => writeRun(file, [runId], base, usable, kept, this.opts.tables, this.opts.keyBits)));
    this.compact();
  }

  async close(): Promise<void> {
    for (const run of this.runs) run.close();
    this.runs = [];
  }

  /** Writes a run under a temporary name and renames it into place. */
  private publish(runIds: string[], base: number, end: number, write: (file: string) => void): RunReader {
    const temp = path.join(this.dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}${RUN_SUFFIX}`);
    try {
      write(temp);
      const file = path.join(this.dir, `${String(base).padStart(10, '0')}-${String(end).padStart(10, '0')}-${runIds.length}${RUN_SUFFIX}`);
      renameSync(temp, file);
      return RunReader.open(file);
    } catch (err) {
      if (existsSync(temp)) unlinkSync(temp);
      throw err;
    }
  }

  /**
   * Merges the newest runs while FANOUT or more of them are no bigger in level than the newest
   * (older small runs join a newer bigger one, so none is left behind between big runs).
   */
  private compact(): void {
    for (;;) {
      const last = this.runs.length - 1;
      if (last < 0) return;
      const lvl = level(this.runs[last].footer.count);
      let first = last;
      while (first > 0 && level(this.runs[first - 1].footer.count) <= lvl) first--;
      const group = this.runs.slice(first);
      const clips = group.reduce((sum, r) => sum + r.footer.count, 0);
      if (group.length < FANOUT || clips > MAX_RUN_CLIPS) return;
      const base = group[0].footer.base;
      const merged = this.publish(group.flatMap((r) => r.footer.runIds), base, base + clips, (file) => mergeRuns(file, group));
      for (const run of group) {
        run.close();
        unlinkSync(run.file);
      }
      this.runs = [...this.runs.slice(0, first), merged];
    }
  }

  /** For each batch row, the best indexed clip it copies (undefined: none). */
  private matchIndexed(batch: readonly DedupRow[]): (StoredClip | undefined)[] {
    const found: (StoredClip | undefined)[] = new Array(batch.length);
    if (this.runs.length === 0) return found;
    for (let from = 0; from < batch.length; from += LOOKUP_ROWS) {
      const rows = batch.slice(from, from + LOOKUP_ROWS);
      const hashes = parseSignatures(rows);
      for (const run of this.runs) {
        this.matchInRun(run, rows, hashes).forEach((clip, r) => {
          const current = found[from + r];
          if (!current || better(clip, current)) found[from + r] = clip;
        });
      }
    }
    return found;
  }

  /**
   * Rows (of at most LOOKUP_ROWS) that copy a clip of this run, with the best such clip. A stored
   * clip is a candidate when a sample of it shares a table key with a sample of the row and the two
   * samples are within maxBits (as in markDuplicates); candidates are then confirmed as there.
   */
  private matchInRun(run: RunReader, rows: readonly DedupRow[], hashes: Hashes): Map<number, StoredClip> {
    // hits: ref * 2^20 + t * 2^12 + sample (row * MAX_SAMPLES + s < 2^12), sorted.
    const hits: number[] = [];
    for (let t = 0; t < this.opts.tables; t++) {
      const { keys, samplesOf } = this.probeKeys(t, hashes);
      run.lookup(t, keys, (k, ref) => {
        for (const sample of samplesOf[k]) hits.push(ref * HIT_REF + t * HIT_TABLE + sample);
      });
    }
    const matches = new Map<number, StoredClip>();
    if (hits.length === 0) return matches;
    const sorted = Float64Array.from(hits).sort();
    const refs: number[] = [];
    for (const h of sorted) {
      const ref = Math.floor(h / HIT_REF);
      if (refs[refs.length - 1] !== ref) refs.push(ref);
    }
    const stored: Hashes = { words: new Uint32Array(refs.length * MAX_SAMPLES * 2), counts: new Uint8Array(refs.length) };
    const clips = run.readClips(refs, stored, 0, false);
    // Pairs (row, stored clip) whose colliding samples are close, confirmed on the whole clips.
    const confirmed: { row: number; clip: number }[] = [];
    const tried = new Set<number>();
    let c = 0;
    for (const h of sorted) {
      const ref = Math.floor(h / HIT_REF);
      while (refs[c] !== ref) c++;
      const t = Math.floor((h % HIT_REF) / HIT_TABLE);
      const sample = h % HIT_TABLE;
      const row = Math.floor(sample / MAX_SAMPLES);
      const pair = row * refs.length + c;
      if (tried.has(pair) || !this.closeCollision(hashes, sample, stored, c, t)) continue;
      tried.add(pair);
      if (confirmedCopy(hashes, row, stored, c, this.opts)) confirmed.push({ row, clip: c });
    }
    if (confirmed.length === 0) return matches;
    // Ids only for the confirmed (few): they decide same-footage and ties.
    const wanted = [...new Set(confirmed.map((p) => p.clip))].sort((a, b) => a - b);
    const withIds = run.readClips(wanted.map((i) => refs[i]), { words: new Uint32Array(wanted.length * MAX_SAMPLES * 2), counts: new Uint8Array(wanted.length) }, 0, true);
    wanted.forEach((i, k) => (clips[i] = withIds[k]));
    for (const { row, clip } of confirmed) {
      const candidate = clips[clip];
      if (!pairable(rows[row], candidate)) continue;
      const current = matches.get(row);
      if (!current || better(candidate, current)) matches.set(row, candidate);
    }
    return matches;
  }

  /** Distinct keys of the batch's samples in table t (ascending), with the samples behind each. */
  private probeKeys(t: number, hashes: Hashes): { keys: Uint32Array; samplesOf: number[][] } {
    const bySample = new Map<number, number[]>();
    const sampler = this.samplers[t];
    for (let r = 0; r < hashes.counts.length; r++) {
      for (let s = 0; s < hashes.counts[r]; s++) {
        const i = (r * MAX_SAMPLES + s) * 2;
        const key = sampler.key(hashes.words[i], hashes.words[i + 1]);
        const list = bySample.get(key);
        if (list) list.push(r * MAX_SAMPLES + s);
        else bySample.set(key, [r * MAX_SAMPLES + s]);
      }
    }
    const keys = Uint32Array.from(bySample.keys()).sort();
    return { keys, samplesOf: Array.from(keys, (k) => bySample.get(k)!) };
  }

  /** True when a sample of stored clip c shares batch sample `sample`'s key in table t and lies within maxBits of it. */
  private closeCollision(batch: Hashes, sample: number, stored: Hashes, c: number, t: number): boolean {
    const x = sample * 2;
    const hi = batch.words[x];
    const lo = batch.words[x + 1];
    const key = this.samplers[t].key(hi, lo);
    for (let j = 0; j < stored.counts[c]; j++) {
      const y = (c * MAX_SAMPLES + j) * 2;
      const yHi = stored.words[y];
      const yLo = stored.words[y + 1];
      if (hamming64(hi, lo, yHi, yLo) <= this.opts.maxBits && this.samplers[t].key(yHi, yLo) === key) return true;
    }
    return false;
  }
}

/**
 * Drops (and deletes) the inputs of a merge that was killed before it unlinked them: runs whose
 * refs and runIds lie inside another run's.
 */
function dropContained(runs: RunReader[]): RunReader[] {
  runs.sort((a, b) => a.footer.base - b.footer.base || b.end - a.end);
  const out: RunReader[] = [];
  for (const run of runs) {
    const previous = out[out.length - 1];
    if (previous && run.end <= previous.end && run.footer.runIds.every((id) => previous.footer.runIds.includes(id))) {
      run.close();
      unlinkSync(run.file);
      continue;
    }
    if (previous && run.footer.base < previous.end) throw new Error(`${run.file} overlaps ${previous.file}: the signature index is damaged.`);
    out.push(run);
  }
  return out;
}
