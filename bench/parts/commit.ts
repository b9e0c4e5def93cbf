/**
 * Part commit benchmark: how fast a writer (a local run or a worker) commits one part, i.e.
 * copies its staged clips into WebDataset tars and writes the part's Parquet rows and manifest.
 * Stages `--sources` x `--clips` copies of one real H.264 clip made by ffmpeg, commits them as
 * one part and prints time, throughput and the process's peak memory.
 *
 *   node --import tsx bench/parts/commit.ts [--sources 200] [--clips 5] [--bitrate 2M]
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { markPending } from '../../src/pack/part-markers.js';
import { commitPart } from '../../src/pack/part-writer.js';
import { OutputDir } from '../../src/store/output.js';
import type { KeptClip, SourceRecord } from '../../src/types.js';
import { ffmpeg, tempDir } from '../../test/helpers/media.js';

const { values } = parseArgs({ options: { sources: { type: 'string', default: '200' }, clips: { type: 'string', default: '5' }, bitrate: { type: 'string', default: '2M' } } });
const SOURCES = Number(values.sources);
const CLIPS = Number(values.clips);
const CLIP_SEC = 4;
const MIB = 2 ** 20;

const dir = await tempDir('clipmill-bench-parts-');
try {
  const clip = dir.file('clip.mp4');
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=640x360:r=25:d=${CLIP_SEC}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', values.bitrate, '-pix_fmt', 'yuv420p', clip]);
  const clipBytes = (await stat(clip)).size;
  const out = new OutputDir(dir.file('out'));
  await out.prepare();
  const records: SourceRecord[] = [];
  for (let i = 0; i < SOURCES; i++) {
    const id = `s${String(i).padStart(6, '0')}`;
    await mkdir(path.join(out.root, out.clipsDirRel(id)), { recursive: true });
    const clips: KeptClip[] = [];
    for (let k = 0; k < CLIPS; k++) {
      const [start, end] = [k * 100, k * 100 + 99];
      const clipId = `${id}-${start}-${end}`;
      const file = path.join(out.clipsDirRel(id), `${clipId}.mp4`);
      await copyFile(clip, path.join(out.root, file));
      clips.push({ clipId, startFrame: start, endFrame: end, startTime: k * CLIP_SEC, endTime: (k + 1) * CLIP_SEC, duration: CLIP_SEC, status: 'kept', file, width: 640, height: 360, fps: 25, bytes: clipBytes });
    }
    const record: SourceRecord = {
      version: 1, id, uri: `https://example.test/${id}.mp4`, kind: 'http', status: 'done', origin: { input: 'bench' },
      metadata: {}, clips, timings: {}, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
    };
    await markPending(out.root, id);
    await out.writeRecord(record);
    records.push(record);
  }
  const t0 = performance.now();
  const { manifest } = await commitPart(out, records, { shardBytes: 1024 ** 3 });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = manifest.shards.reduce((sum, s) => sum + s.bytes, 0);
  console.log(`| sources | clips | MiB | tars | seconds | MiB/s | clips/s | peak RSS MiB |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  console.log(`| ${SOURCES} | ${SOURCES * CLIPS} | ${(bytes / MIB).toFixed(0)} | ${manifest.shards.length} | ${seconds.toFixed(2)} | ${(bytes / MIB / seconds).toFixed(0)} | ${((SOURCES * CLIPS) / seconds).toFixed(0)} | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} |`);
} finally {
  await dir.remove();
}
