/**
 * One immutable run of the signature index: a file holding a contiguous range of clip refs
 * (base .. base+count) with, for each clip, its sample hashes and what picking the kept copy needs,
 * and for each LSH table the sorted (key, clip ref) pairs of its samples.
 *
 *   [records: count x recordBytes][strings: clip and source ids, UTF-8][per table: entries, directory][footer JSON][u32 footer length]["CMSIGRN1"]
 *
 * A table's directory maps the top `prefixBits` bits of a key to the range of its entries, so a
 * lookup is two small reads. Small runs store entries as (key, ref) pairs ("wide"); a run with at
 * least one entry per possible key uses the full key as prefix and stores only refs. All numbers
 * are little-endian; sections start at multiples of 8 bytes.
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync, fstatSync } from 'node:fs';
import { PairSorter } from './dedup-radix.js';
import { BitSampler, MAX_SAMPLES, tableSeed, type Hashes } from './dedup-match.js';
import type { DedupRow } from './dedup.js';

const MAGIC = 'CMSIGRN1';
const TRAILER_BYTES = 12;
/** Bytes of a record after its hashes. */
const RECORD_META = 48;
/** Ranges of a file closer than this (a page) are read with one pread: copying a page costs about what a syscall does. */
const READ_GAP = 4096;
/** One pread reads at most this much. */
const MAX_READ = 8 * 1024 * 1024;
/** Table sections up to this size are read once and kept in memory. */
const CACHED_SECTION = 256 * 1024;
/** Entries handled per step when merging runs. */
const MERGE_CHUNK = 1 << 20;

export interface TableSection {
  prefixBits: number;
  /** Entries are (key, ref) pairs; else refs only, the key being the directory slot. */
  wide: boolean;
  entries: number;
  entriesOffset: number;
  dirOffset: number;
}

export interface RunFooter {
  version: 1;
  /** The add() calls this run holds (several after a merge). */
  runIds: string[];
  base: number;
  count: number;
  /** Hash slots per record. */
  samples: number;
  keyBits: number;
  recordsOffset: number;
  stringsOffset: number;
  stringsBytes: number;
  tables: TableSection[];
}

/** What the index keeps of a clip. */
export interface StoredClip extends DedupRow {
  ref: number;
}

const recordBytes = (samples: number) => samples * 8 + RECORD_META;

/** Prefix bits of a table's directory: about four entries a slot, the whole key once every key may occur. */
function prefixBitsFor(entries: number, keyBits: number): number {
  if (entries >= 2 ** keyBits) return keyBits;
  return Math.min(keyBits, Math.max(0, Math.ceil(Math.log2(Math.max(1, entries / 4)))));
}

/** Sequential writer of a run file. */
class RunFileWriter {
  private position = 0;
  constructor(readonly fd: number) {}

  get offset(): number {
    return this.position;
  }

  write(data: ArrayBufferView): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.position + done);
    this.position += bytes.length;
  }

  align(): void {
    const pad = (8 - (this.position % 8)) % 8;
    if (pad) this.write(new Uint8Array(pad));
  }

  finish(footer: RunFooter): void {
    const json = Buffer.from(JSON.stringify(footer));
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(json.length, 0);
    trailer.write(MAGIC, 4, 'latin1');
    this.write(json);
    this.write(trailer);
    fsyncSync(this.fd);
  }
}

/** Output of one table's entries in key order, counting entries per directory slot on the way. */
class EntryWriter {
  private readonly pairs = new Uint32Array(MERGE_CHUNK * 2);
  readonly dir: Uint32Array;
  private readonly shift: number;

  constructor(
    private readonly out: RunFileWriter,
    readonly section: TableSection,
    keyBits: number,
  ) {
    this.dir = new Uint32Array(2 ** section.prefixBits + 1);
    this.shift = keyBits - section.prefixBits;
  }

  /** Appends entries [0, n) of keys/refs (which continue the key order). */
  push(keys: Uint32Array, refs: Uint32Array, n: number): void {
    const { dir, shift, pairs } = this;
    for (let i = 0; i < n; i++) dir[(keys[i] >>> shift) + 1]++;
    if (!this.section.wide) {
      this.out.write(refs.subarray(0, n));
      return;
    }
    for (let from = 0; from < n; from += MERGE_CHUNK) {
      const to = Math.min(n, from + MERGE_CHUNK);
      for (let i = from; i < to; i++) {
        pairs[(i - from) * 2] = keys[i];
        pairs[(i - from) * 2 + 1] = refs[i];
      }
      this.out.write(pairs.subarray(0, (to - from) * 2));
    }
  }

  /** Writes the directory (slot -> first entry) after the entries. */
  close(): void {
    for (let i = 1; i < this.dir.length; i++) this.dir[i] += this.dir[i - 1];
    this.out.align();
    this.section.dirOffset = this.out.offset;
    this.out.write(this.dir);
    this.out.align();
  }
}

function newSection(out: RunFileWriter, entries: number, keyBits: number): TableSection {
  out.align();
  const prefixBits = prefixBitsFor(entries, keyBits);
  return { prefixBits, wide: prefixBits < keyBits, entries, entriesOffset: out.offset, dirOffset: 0 };
}

function encodeRecord(view: DataView, at: number, samples: number, row: DedupRow, hashes: Hashes, r: number, stringOffset: number, clipIdBytes: number, sourceIdBytes: number): void {
  const count = hashes.counts[r];
  for (let s = 0; s < count; s++) {
    view.setUint32(at + s * 8, hashes.words[(r * MAX_SAMPLES + s) * 2], true);
    view.setUint32(at + s * 8 + 4, hashes.words[(r * MAX_SAMPLES + s) * 2 + 1], true);
  }
  const m = at + samples * 8;
  view.setUint32(m, row.width >>> 0, true);
  view.setUint32(m + 4, row.height >>> 0, true);
  view.setFloat64(m + 8, row.duration, true);
  view.setFloat64(m + 16, row.startTime ?? NaN, true);
  view.setFloat64(m + 24, row.endTime ?? NaN, true);
  view.setFloat64(m + 32, stringOffset, true);
  view.setUint16(m + 40, clipIdBytes, true);
  view.setUint16(m + 42, sourceIdBytes, true);
  view.setUint8(m + 44, count);
}

/**
 * Writes the rows (all with at least one sample hash) as a run with refs base.. to `file`, synced.
 */
export function writeRun(file: string, runIds: string[], base: number, rows: readonly DedupRow[], hashes: Hashes, tables: number, keyBits: number): void {
  const fd = openSync(file, 'w');
  try {
    const out = new RunFileWriter(fd);
    let samples = 1;
    for (const c of hashes.counts) samples = Math.max(samples, c);
    const size = recordBytes(samples);
    const records = Buffer.alloc(rows.length * size);
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    let stringOffset = 0;
    rows.forEach((row, r) => {
      const clip = Buffer.byteLength(row.clipId);
      const source = Buffer.byteLength(row.sourceId);
      if (clip > 0xffff || source > 0xffff) throw new Error(`Clip or source id too long for the signature index: ${row.clipId}`);
      encodeRecord(view, r * size, samples, row, hashes, r, stringOffset, clip, source);
      stringOffset += clip + source;
    });
    const recordsOffset = out.offset;
    out.write(records);
    const stringsOffset = out.offset;
    for (let from = 0; from < rows.length; from += MERGE_CHUNK) {
      out.write(Buffer.from(rows.slice(from, from + MERGE_CHUNK).map((row) => row.clipId + row.sourceId).join('')));
    }

    let total = 0;
    for (const c of hashes.counts) total += c;
    const keys = new Uint32Array(total);
    const refs = new Uint32Array(total);
    const sorter = new PairSorter();
    const sections: TableSection[] = [];
    for (let t = 0; t < tables; t++) {
      const sampler = new BitSampler(keyBits, tableSeed(t));
      let e = 0;
      for (let r = 0; r < rows.length; r++) {
        for (let s = 0; s < hashes.counts[r]; s++) {
          const i = (r * MAX_SAMPLES + s) * 2;
          keys[e] = sampler.key(hashes.words[i], hashes.words[i + 1]);
          refs[e++] = base + r;
        }
      }
      sorter.sort(keys, refs, e, keyBits);
      const section = newSection(out, e, keyBits);
      const writer = new EntryWriter(out, section, keyBits);
      writer.push(keys, refs, e);
      writer.close();
      sections.push(section);
    }
    out.finish({ version: 1, runIds, base, count: rows.length, samples, keyBits, recordsOffset, stringsOffset, stringsBytes: stringOffset, tables: sections });
  } finally {
    closeSync(fd);
  }
}

/**
 * Groups sorted byte ranges into few preads and hands each range the bytes read (also as u32
 * words, which line up for ranges at multiples of 4) and the byte offset of its start in them.
 */
function readRanges(fd: number, starts: readonly number[], ends: readonly number[], visit: (i: number, words: Uint32Array, at: number, bytes: Buffer) => void): void {
  let i = 0;
  while (i < starts.length) {
    let j = i;
    const lo = starts[i];
    let hi = ends[i];
    while (j + 1 < starts.length && starts[j + 1] - hi <= READ_GAP && Math.max(hi, ends[j + 1]) - lo <= MAX_READ) {
      j++;
      hi = Math.max(hi, ends[j]);
    }
    const bytes = readAt(fd, lo, hi - lo);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    for (let k = i; k <= j; k++) visit(k, words, starts[k] - lo, bytes);
    i = j + 1;
  }
}

/** length bytes at position, in a buffer of its own (offset 0, so word views line up). */
function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.from(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const n = readSync(fd, bytes, done, length - done, position + done);
    if (n === 0) throw new Error('Signature run file is shorter than its footer says.');
    done += n;
  }
  return bytes;
}

/** u32 values [from, to) of a section, read straight into a typed array. */
function readU32(fd: number, offset: number, from: number, to: number): Uint32Array {
  const out = new Uint32Array(to - from);
  let done = 0;
  const bytes = new Uint8Array(out.buffer);
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, offset + from * 4 + done);
    if (n === 0) throw new Error('Signature run file is shorter than its footer says.');
    done += n;
  }
  return out;
}

/** A run file opened for lookups and merges. */
export class RunReader {
  private readonly cached = new Map<number, { dir: Uint32Array; entries: Uint32Array }>();

  private constructor(
    readonly file: string,
    private readonly fd: number,
    readonly footer: RunFooter,
  ) {}

  static open(file: string): RunReader {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < TRAILER_BYTES) throw new Error(`${file}: not a signature run.`);
      const trailer = readAt(fd, size - TRAILER_BYTES, TRAILER_BYTES);
      if (trailer.toString('latin1', 4) !== MAGIC) throw new Error(`${file}: not a signature run.`);
      const length = trailer.readUInt32LE(0);
      const footer = JSON.parse(readAt(fd, size - TRAILER_BYTES - length, length).toString()) as RunFooter;
      if (footer.version !== 1) throw new Error(`${file}: unknown signature run version ${footer.version}.`);
      return new RunReader(file, fd, footer);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  get end(): number {
    return this.footer.base + this.footer.count;
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * Calls hit(k, ref) for every entry of table t whose key is keys[k]; keys sorted ascending,
   * distinct. Two coalesced passes: directory slots, then the entries they point at.
   */
  lookup(t: number, keys: Uint32Array, hit: (k: number, ref: number) => void): void {
    const section = this.footer.tables[t];
    if (section.entries === 0 || keys.length === 0) return;
    const shift = this.footer.keyBits - section.prefixBits;
    const width = section.wide ? 2 : 1;
    // Entries from..to of key k, starting at words[at].
    const scan = (k: number, words: Uint32Array, at: number, count: number) => {
      if (!section.wide) for (let i = 0; i < count; i++) hit(k, words[at + i]);
      else for (let i = 0; i < count; i++) if (words[at + i * 2] === keys[k]) hit(k, words[at + i * 2 + 1]);
    };
    const small = this.smallSection(t);
    if (small) {
      for (let k = 0; k < keys.length; k++) {
        const slot = keys[k] >>> shift;
        scan(k, small.entries, small.dir[slot] * width, small.dir[slot + 1] - small.dir[slot]);
      }
      return;
    }
    const first = new Array<number>(keys.length);
    const last = new Array<number>(keys.length);
    const starts = Array.from(keys, (key) => section.dirOffset + (key >>> shift) * 4);
    readRanges(this.fd, starts, starts.map((s) => s + 8), (k, words, at) => {
      first[k] = words[at / 4];
      last[k] = words[at / 4 + 1];
    });
    const wanted = Array.from(keys.keys()).filter((k) => last[k] > first[k]);
    const entryStarts = wanted.map((k) => section.entriesOffset + first[k] * width * 4);
    const entryEnds = wanted.map((k) => section.entriesOffset + last[k] * width * 4);
    readRanges(this.fd, entryStarts, entryEnds, (w, words, at) => scan(wanted[w], words, at / 4, last[wanted[w]] - first[wanted[w]]));
  }

  private smallSection(t: number): { dir: Uint32Array; entries: Uint32Array } | undefined {
    const section = this.footer.tables[t];
    const width = section.wide ? 2 : 1;
    const bytes = section.entries * width * 4 + (2 ** section.prefixBits + 1) * 4;
    if (bytes > CACHED_SECTION) return undefined;
    let hit = this.cached.get(t);
    if (!hit) {
      hit = {
        dir: readU32(this.fd, section.dirOffset, 0, 2 ** section.prefixBits + 1),
        entries: readU32(this.fd, section.entriesOffset, 0, section.entries * width),
      };
      this.cached.set(t, hit);
    }
    return hit;
  }

  /**
   * The stored clips of the given refs (sorted ascending, distinct, inside this run): hashes into
   * `into` at rows offset.., and the rest through `meta` (ids read only when `withIds`).
   */
  readClips(refs: readonly number[], into: Hashes, offset: number, withIds: boolean): StoredClip[] {
    const { base, samples, recordsOffset, stringsOffset } = this.footer;
    const size = recordBytes(samples);
    const starts = refs.map((ref) => recordsOffset + (ref - base) * size);
    const clips: StoredClip[] = new Array(refs.length);
    const stringAt: number[] = [];
    const stringLengths: number[][] = [];
    readRanges(this.fd, starts, starts.map((s) => s + size), (i, words, at, bytes) => {
      const m = at + samples * 8;
      const count = bytes.readUInt8(m + 44);
      const row = offset + i;
      into.words.set(words.subarray(at / 4, at / 4 + count * 2), row * MAX_SAMPLES * 2);
      into.counts[row] = count;
      const start = bytes.readDoubleLE(m + 16);
      const end = bytes.readDoubleLE(m + 24);
      clips[i] = {
        ref: refs[i],
        clipId: '',
        sourceId: '',
        signature: '',
        width: bytes.readUInt32LE(m),
        height: bytes.readUInt32LE(m + 4),
        duration: bytes.readDoubleLE(m + 8),
        ...(Number.isNaN(start) ? {} : { startTime: start }),
        ...(Number.isNaN(end) ? {} : { endTime: end }),
      };
      stringAt[i] = stringsOffset + bytes.readDoubleLE(m + 32);
      stringLengths[i] = [bytes.readUInt16LE(m + 40), bytes.readUInt16LE(m + 42)];
    });
    if (withIds) this.readIds(clips, stringAt, stringLengths);
    return clips;
  }

  /** Fills in clip and source ids of clips read by readClips. */
  readIds(clips: StoredClip[], stringAt: readonly number[], lengths: readonly number[][]): void {
    readRanges(this.fd, stringAt, stringAt.map((s, i) => s + lengths[i][0] + lengths[i][1]), (i, _words, at, bytes) => {
      clips[i].clipId = bytes.toString('utf8', at, at + lengths[i][0]);
      clips[i].sourceId = bytes.toString('utf8', at + lengths[i][0], at + lengths[i][0] + lengths[i][1]);
    });
  }

  /** Streams table t's entries in key order, in chunks: keys and refs of equal length. */
  *tableChunks(t: number): Generator<{ keys: Uint32Array; refs: Uint32Array }> {
    const section = this.footer.tables[t];
    const shift = this.footer.keyBits - section.prefixBits;
    if (section.wide) {
      for (let from = 0; from < section.entries; from += MERGE_CHUNK) {
        const to = Math.min(section.entries, from + MERGE_CHUNK);
        const pairs = readU32(this.fd, section.entriesOffset, from * 2, to * 2);
        const keys = new Uint32Array(to - from);
        const refs = new Uint32Array(to - from);
        for (let i = 0; i < keys.length; i++) {
          keys[i] = pairs[i * 2];
          refs[i] = pairs[i * 2 + 1];
        }
        yield { keys, refs };
      }
      return;
    }
    // Refs only: the key of entry i is the slot whose range holds i.
    const slots = 2 ** section.prefixBits;
    let slot = 0;
    let dir = readU32(this.fd, section.dirOffset, 0, Math.min(slots + 1, MERGE_CHUNK + 1));
    let dirBase = 0;
    for (let from = 0; from < section.entries; from += MERGE_CHUNK) {
      const to = Math.min(section.entries, from + MERGE_CHUNK);
      const refs = readU32(this.fd, section.entriesOffset, from, to);
      const keys = new Uint32Array(to - from);
      for (let i = from; i < to; i++) {
        while (true) {
          if (slot + 1 - dirBase >= dir.length) {
            dirBase = slot;
            dir = readU32(this.fd, section.dirOffset, slot, Math.min(slots + 1, slot + MERGE_CHUNK + 1));
          }
          if (dir[slot + 1 - dirBase] > i) break;
          slot++;
        }
        keys[i - from] = (slot << shift) >>> 0;
      }
      yield { keys, refs };
    }
  }

  /** Streams the records with their ids rebased to a merged strings section. */
  *recordChunks(samples: number, stringBase: number): Generator<Buffer> {
    const { count, samples: mine, recordsOffset } = this.footer;
    const inSize = recordBytes(mine);
    const outSize = recordBytes(samples);
    const step = Math.max(1, Math.floor(MAX_READ / inSize));
    for (let from = 0; from < count; from += step) {
      const n = Math.min(step, count - from);
      const bytes = readAt(this.fd, recordsOffset + from * inSize, n * inSize);
      const out = Buffer.alloc(n * outSize);
      for (let i = 0; i < n; i++) {
        bytes.copy(out, i * outSize, i * inSize, i * inSize + mine * 8);
        bytes.copy(out, i * outSize + samples * 8, i * inSize + mine * 8, (i + 1) * inSize);
        const m = i * outSize + samples * 8;
        out.writeDoubleLE(out.readDoubleLE(m + 32) + stringBase, m + 32);
      }
      yield out;
    }
  }

  *stringChunks(): Generator<Buffer> {
    const { stringsOffset, stringsBytes } = this.footer;
    for (let from = 0; from < stringsBytes; from += MAX_READ) yield readAt(this.fd, stringsOffset + from, Math.min(MAX_READ, stringsBytes - from));
  }
}

/**
 * Merges runs that cover adjacent ref ranges (in ref order) into one run file. Streams: memory is
 * a few chunks plus the directory being built (at most 2^keyBits slots).
 */
export function mergeRuns(file: string, runs: readonly RunReader[]): void {
  const keyBits = runs[0].footer.keyBits;
  const tables = runs[0].footer.tables.length;
  for (let i = 1; i < runs.length; i++) {
    if (runs[i].footer.base !== runs[i - 1].end) throw new Error('Only runs with adjacent clip refs can be merged.');
  }
  const samples = Math.max(...runs.map((r) => r.footer.samples));
  const fd = openSync(file, 'w');
  try {
    const out = new RunFileWriter(fd);
    const recordsOffset = out.offset;
    let stringBase = 0;
    for (const run of runs) {
      for (const chunk of run.recordChunks(samples, stringBase)) out.write(chunk);
      stringBase += run.footer.stringsBytes;
    }
    const stringsOffset = out.offset;
    for (const run of runs) for (const chunk of run.stringChunks()) out.write(chunk);
    const sections: TableSection[] = [];
    for (let t = 0; t < tables; t++) {
      const entries = runs.reduce((sum, r) => sum + r.footer.tables[t].entries, 0);
      const section = newSection(out, entries, keyBits);
      const writer = new EntryWriter(out, section, keyBits);
      mergeTable(runs.map((r) => r.tableChunks(t)), keyBits, writer);
      writer.close();
      sections.push(section);
    }
    out.finish({
      version: 1,
      runIds: runs.flatMap((r) => r.footer.runIds),
      base: runs[0].footer.base,
      count: runs.reduce((sum, r) => sum + r.footer.count, 0),
      samples,
      keyBits,
      recordsOffset,
      stringsOffset,
      stringsBytes: stringBase,
      tables: sections,
    });
  } finally {
    closeSync(fd);
  }
}

/** Reads one run's table entries in key order, a block of keys at a time. */
class EntryCursor {
  private keys: Uint32Array = new Uint32Array(0);
  private refs: Uint32Array = new Uint32Array(0);
  private at = 0;
  private done = false;

  constructor(private readonly chunks: Generator<{ keys: Uint32Array; refs: Uint32Array }>) {}

  /** Appends the entries with keys below `limit` to the block; returns its new length. */
  takeBelow(limit: number, block: Block, length: number): number {
    for (;;) {
      // First entry of the chunk at or above the limit (keys are sorted).
      let lo = this.at;
      let hi = this.keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.keys[mid] < limit) lo = mid + 1;
        else hi = mid;
      }
      length = block.append(this.keys.subarray(this.at, lo), this.refs.subarray(this.at, lo), length);
      this.at = lo;
      if (lo < this.keys.length || this.done) return length;
      const next = this.chunks.next();
      if (next.done) this.done = true;
      else ({ keys: this.keys, refs: this.refs } = next.value), (this.at = 0);
    }
  }
}

/** Growable key/ref arrays of one block of keys, sorted with a stable radix sort on the bits below the block. */
class Block {
  keys: Uint32Array = new Uint32Array(1 << 16);
  refs: Uint32Array = new Uint32Array(1 << 16);
  private readonly sorter = new PairSorter();

  append(keys: Uint32Array, refs: Uint32Array, length: number): number {
    const need = length + keys.length;
    if (need > this.keys.length) {
      const size = Math.max(need, this.keys.length * 2);
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(size);
        b.set(a.subarray(0, length));
        return b;
      };
      this.keys = grow(this.keys);
      this.refs = grow(this.refs);
    }
    this.keys.set(keys, length);
    this.refs.set(refs, length);
    return need;
  }

  /** Sorts [0, n) by key (all in base .. base + 2^bits), keeping the order of equal keys. */
  sort(n: number, base: number, bits: number): void {
    const { keys } = this;
    for (let i = 0; i < n; i++) keys[i] -= base;
    this.sorter.sort(keys, this.refs, n, bits);
    for (let i = 0; i < n; i++) keys[i] += base;
  }
}

/**
 * Merges sorted entry streams (given in ref order) into the writer, one block of keys at a time;
 * within a key, entries keep stream order, so refs stay ascending.
 */
function mergeTable(streams: Generator<{ keys: Uint32Array; refs: Uint32Array }>[], keyBits: number, writer: EntryWriter): void {
  const blockBits = Math.max(0, keyBits - 8);
  const cursors = streams.map((chunks) => new EntryCursor(chunks));
  const block = new Block();
  for (let b = 0; b < 2 ** (keyBits - blockBits); b++) {
    const base = b * 2 ** blockBits;
    let length = 0;
    for (const cursor of cursors) length = cursor.takeBelow(base + 2 ** blockBits, block, length);
    if (length === 0) continue;
    block.sort(length, base, blockBits);
    writer.push(block.keys, block.refs, length);
  }
}
