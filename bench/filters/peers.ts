/**
 * ffmpeg's own detectors as peers, all in one decode of the file at its own size: freezedetect,
 * blackdetect, blurdetect and cropdetect (per-frame crop, reset every frame). Returns what each
 * says about a time span, so they can be scored on the same clips as clipmill's filters.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegInput } from '../../src/media/ffmpeg.js';
import { medianOf } from '../../src/segment/stats.js';

const exec = promisify(execFile);

/** The peers' settings: freezes and black stretches as short as our 2 s clips allow, ffmpeg's default noise levels. */
export const PEER_FILTERS = 'freezedetect=n=-60dB:d=0.5,blackdetect=d=0:pic_th=0.98:pix_th=0.10,blurdetect,cropdetect=reset=1';

interface Interval {
  start: number;
  end: number;
}

export interface PeerFrame {
  time: number;
  blur: number;
  /** Share of the height or width that cropdetect would cut away. */
  bars: number;
}

export interface PeerReport {
  freezes: Interval[];
  blacks: Interval[];
  frames: PeerFrame[];
}

export async function runPeers(file: string, width: number, height: number): Promise<PeerReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-peers-'));
  const meta = path.join(dir, 'meta.txt');
  try {
    const { stderr } = await exec(
      'ffmpeg',
      ['-nostdin', '-hide_banner', '-nostats', '-i', ffmpegInput(file), '-map', '0:V:0', '-an', '-fps_mode', 'passthrough',
        '-vf', `${PEER_FILTERS},metadata=mode=print:file=${meta.replace(/([:\\'])/g, '\\$1')}`, '-f', 'null', '-'],
      { maxBuffer: 1 << 28 },
    );
    return { freezes: freezeIntervals(stderr), blacks: blackIntervals(stderr), frames: parseFrames(await readFile(meta, 'utf8'), width, height) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function freezeIntervals(log: string): Interval[] {
  const out: Interval[] = [];
  let start: number | undefined;
  for (const m of log.matchAll(/lavfi\.freezedetect\.freeze_(start|end): ([\d.]+)/g)) {
    if (m[1] === 'start') start = Number(m[2]);
    else if (start !== undefined) {
      out.push({ start, end: Number(m[2]) });
      start = undefined;
    }
  }
  // A freeze running to the end of the file has no end line.
  if (start !== undefined) out.push({ start, end: Number.POSITIVE_INFINITY });
  return out;
}

function blackIntervals(log: string): Interval[] {
  return [...log.matchAll(/black_start:([\d.]+) black_end:([\d.]+)/g)].map((m) => ({ start: Number(m[1]), end: Number(m[2]) }));
}

function parseFrames(text: string, width: number, height: number): PeerFrame[] {
  const frames: PeerFrame[] = [];
  let cur: Record<string, number> | undefined;
  let time = 0;
  const flush = () => {
    if (!cur) return;
    const w = (cur['lavfi.cropdetect.w'] ?? width) / width;
    const h = (cur['lavfi.cropdetect.h'] ?? height) / height;
    frames.push({ time, blur: cur['lavfi.blur'] ?? Number.NaN, bars: Math.max(1 - w, 1 - h) });
  };
  for (const line of text.split('\n')) {
    const head = /^frame:\d+\s+pts:\S+\s+pts_time:([-\d.e]+)/.exec(line);
    if (head) {
      flush();
      cur = {};
      time = Number(head[1]);
      continue;
    }
    const kv = /^([\w.]+)=(.*)$/.exec(line);
    if (kv && cur) cur[kv[1]] = Number(kv[2]);
  }
  flush();
  return frames;
}

/** Share of [start, end) covered by the intervals. */
export function coveredShare(list: Interval[], start: number, end: number): number {
  let covered = 0;
  for (const iv of list) covered += Math.max(0, Math.min(end, iv.end) - Math.max(start, iv.start));
  return end > start ? covered / (end - start) : 0;
}

/** Median blur and bar share of the frames in [start, end). */
export function spanMedians(report: PeerReport, start: number, end: number): { blur: number; bars: number } {
  const inside = report.frames.filter((f) => f.time >= start - 1e-6 && f.time < end - 1e-6);
  if (inside.length === 0) return { blur: Number.NaN, bars: Number.NaN };
  return { blur: medianOf(inside.map((f) => f.blur)), bars: medianOf(inside.map((f) => f.bars)) };
}
