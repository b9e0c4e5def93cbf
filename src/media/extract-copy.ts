/**
 * Stream-copy extraction: no decoding or encoding, so a clip must start on a keyframe. Each clip
 * starts at the last keyframe at or before its start; the actual span is measured and reported with
 * `snappedToKeyframes: true`. Copying is I/O-bound, so one short ffmpeg per clip costs little.
 *
 * Files are `.mp4` when the source codecs fit MP4, else `.mkv`.
 *
 * A stream whose packets carry no keyframe flag (some AVI writers leave the index flags empty)
 * cannot be cut without decoding, although it decodes fine: such a source is re-encoded instead,
 * and every clip says so (`reencodedBecause`), rather than the whole source being lost. ffmpeg
 * itself flags the first packet of an AVI whose index flags none, so one keyframe with clips to
 * cut after it counts as unflagged too: copying would start every clip at the beginning.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProbeInfo } from '../types.js';
import type { ExtractSpan, ExtractedClip } from './extract.js';
import { makeWorkDir, publish, removeWorkDir, runEncoder } from './extract-output.js';
import { FFPROBE, ffmpegInput, runTool } from './ffmpeg.js';

const MP4_VIDEO = new Set(['h264', 'hevc', 'av1', 'vp9', 'mpeg4']);
const MP4_AUDIO = new Set(['aac', 'mp3', 'opus', 'ac3', 'eac3', 'alac', 'flac']);

export async function extractByStreamCopy(
  input: string,
  probe: ProbeInfo,
  clips: ExtractSpan[],
  dir: string,
  reencode: () => Promise<ExtractedClip[]>,
  signal?: AbortSignal,
): Promise<ExtractedClip[]> {
  const ext = MP4_VIDEO.has(probe.video.codec) && (!probe.audio || MP4_AUDIO.has(probe.audio.codec)) ? 'mp4' : 'mkv';
  const { keyframes, untimed, startTime: origin } = await videoKeyframes(input, signal);
  const unflagged = unflaggedReason(keyframes, untimed, origin, clips);
  if (unflagged) return (await reencode()).map((clip) => ({ ...clip, reencodedBecause: unflagged }));
  const work = await makeWorkDir(dir);
  try {
    const results: ExtractedClip[] = [];
    for (const clip of clips) {
      const tmp = path.join(work, `${clip.clipId}.${ext}`);
      const start = lastAtOrBefore(keyframes, clip.startTime + 1e-4);
      // Input seeking lands on the keyframe before the start; `-t` counts from the requested start.
      await runEncoder(
        [
          '-ss', String(clip.startTime), '-i', ffmpegInput(input), '-t', String(clip.endTime - clip.startTime),
          '-map', '0:V:0', '-map', '0:a:0?', '-c', 'copy', '-avoid_negative_ts', 'make_zero', '-map_metadata', '-1',
          ...(ext === 'mp4' ? ['-movflags', '+faststart'] : []),
          ffmpegInput(tmp),
        ],
        signal,
      );
      const out = await measure(tmp, signal);
      results.push({
        clipId: clip.clipId,
        file: path.join(dir, `${clip.clipId}.${ext}`),
        bytes: (await stat(tmp)).size,
        width: probe.video.width,
        height: probe.video.height,
        fps: out.duration > 0 ? out.frames / out.duration : probe.video.fps,
        frames: out.frames,
        snappedToKeyframes: true,
        startTime: start ?? clip.startTime,
        endTime: (start ?? clip.startTime) + out.duration,
      });
    }
    await publish(results.map((r) => ({ from: path.join(work, path.basename(r.file)), to: r.file })));
    return results;
  } finally {
    await removeWorkDir(work);
  }

  /** Keyframe times in the frame reader's clock: packet times minus the container start time. */
  function lastAtOrBefore(times: number[], t: number): number | undefined {
    let best: number | undefined;
    for (const k of times) if (k - origin <= t) best = k - origin;
    return best;
  }
}

/** Why the keyframe flags cannot cut these clips, or undefined when they can. */
function unflaggedReason(keyframes: number[], untimed: number, origin: number, clips: ExtractSpan[]): string | undefined {
  // Raw elementary streams flag their keyframes but give all of them, or all but the first, no timestamp.
  const raw = untimed > 0 ? 'the keyframes of the video stream carry no timestamps (a raw elementary stream), so stream copy cannot cut at them' : undefined;
  if (keyframes.length === 0) return raw ?? 'no packet of the video stream is flagged as a keyframe, so it cannot be cut by stream copy';
  const first = keyframes[0] - origin;
  if (keyframes.length === 1 && clips.some((c) => c.startTime > first + 1e-3)) {
    return raw ?? 'only the first packet of the video stream is flagged as a keyframe, so stream copy would start every clip at the beginning';
  }
  return undefined;
}

/** Reads packet headers only (no decoding): presentation times of the video keyframes, and how many keyframes have none. */
async function videoKeyframes(input: string, signal?: AbortSignal): Promise<{ keyframes: number[]; untimed: number; startTime: number }> {
  const res = await runTool(
    FFPROBE,
    ['-v', 'error', '-select_streams', 'V:0', '-show_entries', 'packet=pts_time,flags:format=start_time', '-of', 'json', ffmpegInput(input)],
    { signal },
  );
  const parsed = JSON.parse(res.stdout.toString() || '{}') as {
    packets?: { pts_time?: string; flags?: string }[];
    format?: { start_time?: string };
  };
  const flagged = (parsed.packets ?? []).filter((p) => p.flags?.startsWith('K'));
  const keyframes = flagged
    .filter((p) => p.pts_time !== undefined)
    .map((p) => Number(p.pts_time))
    .sort((a, b) => a - b);
  return { keyframes, untimed: flagged.length - keyframes.length, startTime: Number(parsed.format?.start_time ?? 0) || 0 };
}

async function measure(file: string, signal?: AbortSignal): Promise<{ frames: number; duration: number }> {
  const res = await runTool(
    FFPROBE,
    ['-v', 'error', '-select_streams', 'V:0', '-count_packets', '-show_entries', 'stream=nb_read_packets,duration:format=duration', '-of', 'json', ffmpegInput(file)],
    { signal },
  );
  const parsed = JSON.parse(res.stdout.toString() || '{}') as {
    streams?: { nb_read_packets?: string; duration?: string }[];
    format?: { duration?: string };
  };
  const s = parsed.streams?.[0];
  return { frames: Number(s?.nb_read_packets ?? 0), duration: Number(s?.duration ?? parsed.format?.duration ?? 0) };
}
