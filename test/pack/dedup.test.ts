/**
 * Near-duplicate removal: real ffmpeg copies of generated footage must group with the original;
 * other footage must not. Plus the pure rules (best copy, same-source spans) on crafted signatures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { measureFile } from '../helpers/measure-file.js';
import { markDuplicates, type DedupRow } from '../../src/pack/dedup.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

async function row(clipId: string, file: string, width: number, height: number): Promise<DedupRow> {
  const { signals, frames } = await measureFile(file, width, height);
  return { clipId, sourceId: `src-${clipId}`, signature: signals.clipSignature(0, frames - 1), width, height, duration: frames / 25 };
}

describe('markDuplicates on ffmpeg copies', () => {
  let dir: TempDir;
  const rows: DedupRow[] = [];
  before(async () => {
    dir = await tempDir();
    const base = dir.file('base.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'mandelbrot=s=320x180:r=25', '-t', '3.5', ...X264, '-crf', '18', base]);
    const copy = async (name: string, opts: string[], w = 320, h = 180, input: string[] = []) => {
      const out = dir.file(`${name}.mp4`);
      await ffmpeg([...input, '-i', base, '-t', '2.5', ...opts, ...X264, out]);
      rows.push(await row(name, out, w, h));
    };
    await copy('orig', ['-crf', '18']);
    await copy('crf40', ['-crf', '40']);
    await copy('half', ['-vf', 'scale=160:90'], 160, 90);
    await copy('crop5', ['-vf', 'crop=iw*0.95:ih*0.95,scale=320:180']);
    await copy('bright', ['-vf', 'eq=brightness=0.1']);
    await copy('offset', [], 320, 180, ['-ss', '0.5']);
    for (const [name, source] of [['other1', 'testsrc2=s=320x180:r=25'], ['other2', 'life=s=320x180:r=25:seed=5:ratio=0.3:mold=10']]) {
      const out = dir.file(`${name}.mp4`);
      await ffmpeg(['-f', 'lavfi', '-i', source, '-t', '2.5', ...X264, out]);
      rows.push(await row(name, out, 320, 180));
    }
  });
  after(async () => dir.remove());

  it('groups every copy with the original and keeps the best copy', () => {
    const dup = markDuplicates(rows);
    const kept = dup.get('crf40');
    assert.ok(kept, `copies were not grouped: ${JSON.stringify([...dup])}`);
    // Any full-size copy beats the half-size one (ties between full-size copies go to the smallest id).
    assert.ok(['bright', 'crf40', 'crop5', 'offset', 'orig'].includes(kept), `kept ${kept}`);
    for (const id of ['orig', 'crf40', 'half', 'crop5', 'bright', 'offset']) {
      if (id !== kept) assert.equal(dup.get(id), kept, `${id} should be a duplicate of ${kept}`);
    }
    assert.equal(dup.has(kept), false);
    assert.equal(dup.has('other1'), false);
    assert.equal(dup.has('other2'), false);
    assert.equal([...dup.values()].includes('other1') || [...dup.values()].includes('other2'), false);
  });
});

describe('markDuplicates rules', () => {
  const hash = (seed: number) => (seed * 0x9e3779b1 >>> 0).toString(16).padStart(8, '0') + (seed * 0x85ebca77 >>> 0).toString(16).padStart(8, '0');
  const sig = (seeds: number[]) => seeds.map(hash).join('');
  const pictures = [1, 2, 3, 4, 5, 6, 7, 8];
  const base = (clipId: string, extra: Partial<DedupRow> = {}): DedupRow => ({
    clipId, sourceId: clipId, signature: sig(pictures), width: 640, height: 360, duration: 4, ...extra,
  });

  it('prefers resolution, then duration, then the smaller id', () => {
    const dup = markDuplicates([base('b'), base('a'), base('big', { width: 1280, height: 720 }), base('long', { duration: 5 })]);
    assert.deepEqual([...dup].sort(), [['a', 'big'], ['b', 'big'], ['long', 'big']]);
    const tie = markDuplicates([base('b'), base('a')]);
    assert.deepEqual([...tie], [['b', 'a']]);
  });

  it('never pairs overlapping spans of one source, but does pair repeats at other times', () => {
    const same = markDuplicates([
      base('s-0', { sourceId: 's', startTime: 0, endTime: 4 }),
      base('s-1', { sourceId: 's', startTime: 2, endTime: 6 }),
    ]);
    assert.equal(same.size, 0);
    const repeat = markDuplicates([
      base('s-0', { sourceId: 's', startTime: 0, endTime: 4 }),
      base('s-9', { sourceId: 's', startTime: 60, endTime: 64 }),
    ]);
    assert.deepEqual([...repeat], [['s-9', 's-0']]);
  });

  it('matches a copy shifted by a few samples, not one sharing too few', () => {
    const shifted = base('shifted', { signature: sig([3, 4, 5, 6, 7, 8, 9, 10]) });
    const barely = base('barely', { signature: sig([7, 8, 11, 12, 13, 14, 15, 16]) });
    const dup = markDuplicates([base('orig'), shifted, barely, base('empty', { signature: '' })]);
    assert.equal(dup.get('shifted'), 'orig');
    assert.equal(dup.has('barely'), false);
    assert.equal(dup.has('empty'), false);
  });
});
