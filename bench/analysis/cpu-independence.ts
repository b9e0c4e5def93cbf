/**
 * Whether the analysis frames of each file are the same on any CPU: the MD5 of the frame reader's
 * output (its own ffmpeg command, `frameReaderArgs`) with this machine's instruction sets, with
 * SSE2 only, with SSE4.2 and below, and with none (ffmpeg's `-cpuflags`, standing in for other
 * machines), optionally for another checkout's reader too:
 *
 *   node --import tsx bench/analysis/cpu-independence.ts [--baseline-root DIR] [--real-only | --synthetic-only | FILE...]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analysisSize, frameReaderArgs } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { benchFiles } from './files.js';

const CPUS: Record<string, string[]> = {
  'this machine': [],
  'SSE4.2': ['-cpuflags', 'mmx+mmxext+sse+sse2+sse3+ssse3+sse4.1+sse4.2'],
  SSE2: ['-cpuflags', 'mmx+mmxext+sse+sse2'],
  'C only': ['-cpuflags', '0'],
};

type ReaderArgs = typeof frameReaderArgs;
const at = process.argv.indexOf('--baseline-root');
const baseRoot = at >= 0 ? path.resolve(process.argv.splice(at, 2)[1]) : undefined;
const readers: [string, ReaderArgs][] = [['this checkout', frameReaderArgs]];
if (baseRoot) readers.push([`baseline ${baseRoot}`, (await import(pathToFileURL(path.join(baseRoot, 'src/media/frames.ts')).href)).frameReaderArgs]);

/** MD5 of ffmpeg's stdout. */
function md5Of(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const hash = createHash('md5');
    child.stdout.on('data', (b: Buffer) => hash.update(b));
    child.on('error', reject);
    child.on('close', () => resolve(hash.digest('hex')));
  });
}

const files = await benchFiles(process.argv);
for (const [label, readerArgs] of readers) {
  console.log(`\n${label}: distinct MD5s of the analysis frames over ${Object.keys(CPUS).join(', ')}\n`);
  console.log('| file | codec | distinct | differs from this machine |');
  console.log('| --- | --- | --- | --- |');
  let differing = 0;
  for (const f of files) {
    const info = await probe(f.file);
    const size = analysisSize(info.video.width, info.video.height, 160);
    const args = readerArgs(f.file, { ...size, source: info.video });
    const hashes: Record<string, string> = {};
    for (const [cpu, flags] of Object.entries(CPUS)) hashes[cpu] = await md5Of([...flags, ...args]);
    const other = Object.keys(CPUS).filter((cpu) => hashes[cpu] !== hashes['this machine']);
    if (other.length > 0) differing++;
    console.log(`| ${f.name} | ${info.video.codec} | ${new Set(Object.values(hashes)).size} | ${other.join(', ') || '-'} |`);
  }
  console.log(`\n${label}: ${differing} of ${files.length} files decode to other analysis frames on some CPU`);
}
