/**
 * The per-source task, the unit of work and of resume: admit → fetch → probe → analyse (one
 * decode) → plan clips → filter → extract. It always ends by writing exactly one record.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { describeError, ErrorCode, FatalError, SourceError } from '../errors.js';
import { fetchSource, hostOf, type FetchAccess } from '../fetch/index.js';
import { checkHostResolvesPublic } from '../fetch/address-policy.js';
import { ytDlpMetadata } from '../fetch/ytdlp.js';
import type { HostGate } from '../fetch/politeness.js';
import { probe } from '../media/probe.js';
import type { PolicyContext } from '../policy/policy.js';
import { decideAdmissionWithLookup } from '../policy/reported-license.js';
import { robotsTagRefusal, userAgentToken } from '../policy/optout.js';
import { unwritableRecord, type OutputDir } from '../store/output.js';
import type { Source, SourceRecord } from '../types.js';
import { analyseVideo } from './analyse.js';
import { buildClips } from './clips.js';

export interface TaskContext {
  out: OutputDir;
  cfg: RunConfig;
  gate: HostGate;
  policy: PolicyContext;
  /** Local folders and networks this machine's user allowed. */
  access: FetchAccess;
  hwaccel?: 'cuda';
  signal?: AbortSignal;
}

/** Seconds since `t0` (from performance.now()), rounded to milliseconds. */
function since(t0: number): number {
  return Math.round(performance.now() - t0) / 1000;
}

/** yt-dlp metadata of a page (no media), taking a slot of the host's politeness gate like a download. */
async function askYtDlp(source: Source, ctx: TaskContext): Promise<Record<string, unknown>> {
  if (!ctx.access.allowPrivateNetwork) await checkHostResolvesPublic(source.uri);
  const release = await ctx.gate.acquire(hostOf(source.uri), ctx.signal);
  try {
    return await ytDlpMetadata(source.uri, ctx.cfg.fetch, ctx.signal);
  } finally {
    release();
  }
}

function diskFull(outDir: string): FatalError {
  return new FatalError(
    `The output disk is full (${outDir}). Free some space and run the same command again: ` +
      'finished sources are kept, and the source being processed is redone.',
  );
}

export async function processSource(source: Source, ctx: TaskContext): Promise<SourceRecord> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const record: SourceRecord = {
    version: 1,
    id: source.id,
    uri: source.uri,
    kind: source.kind,
    status: 'done',
    origin: source.origin,
    metadata: source.metadata,
    license: source.license,
    clips: [],
    timings,
    startedAt,
    finishedAt: startedAt,
  };
  const workDir = ctx.out.workDir(source.id);
  const clipsDirRel = ctx.out.clipsDirRel(source.id);
  const removeClips = () => rm(path.join(ctx.out.root, clipsDirRel), { recursive: true, force: true });
  try {
    const admission = await decideAdmissionWithLookup(source, ctx.policy, (s) => askYtDlp(s, ctx));
    if (!admission.admit) {
      record.status = 'refused';
      record.error = { code: admission.code, message: admission.reason, transient: false };
      return await finish();
    }
    record.license = admission.license;

    // A source redone after a crash starts from a clean slate: no half-written clips survive.
    await removeClips();
    await mkdir(workDir, { recursive: true });

    let t = performance.now();
    const fetched = await fetchSource(source, workDir, ctx.cfg.fetch, {
      ...ctx.access,
      gate: ctx.gate,
      signal: ctx.signal,
      onHeaders: (_status, _headers, lines) => {
        if (!ctx.cfg.policy.honorRobotsTag) return;
        // Header lines kept apart: a scope on one X-Robots-Tag line ends with that line.
        const refusal = robotsTagRefusal(lines, userAgentToken(ctx.cfg.fetch.userAgent), ctx.cfg.policy.robotsTagDirectives);
        if (refusal) throw new SourceError(ErrorCode.RefusedOptOut, refusal);
      },
    });
    timings.fetch = since(t);
    record.provenance = {
      finalUri: fetched.finalUri,
      retrievedAt: fetched.retrievedAt,
      bytes: fetched.bytes,
      sha256: fetched.sha256,
      headers: fetched.headers,
      fetcherMetadata: fetched.metadata,
    };

    t = performance.now();
    record.probe = await probe(fetched.path, { signal: ctx.signal });
    timings.probe = since(t);

    t = performance.now();
    const analysis = await analyseVideo(fetched.path, record.probe, {
      analysisWidth: ctx.cfg.segment.analysisWidth,
      threshold: ctx.cfg.segment.threshold,
      hwaccel: ctx.hwaccel,
      signal: ctx.signal,
    });
    timings.analyse = since(t);
    record.shots = analysis.shots;
    record.transitions = analysis.transitions;

    t = performance.now();
    record.clips = await buildClips(source, fetched.path, record.probe, analysis, {
      cfg: ctx.cfg,
      outDir: ctx.out.root,
      clipsDirRel,
      sectionStart: Number(fetched.metadata?.section_start ?? 0) || 0,
      hwaccel: ctx.hwaccel,
      signal: ctx.signal,
    });
    timings.extract = since(t);
  } catch (err) {
    // Cancelled, or a problem of the run rather than of this source (a missing tool): nothing to record.
    if (ctx.signal?.aborted || err instanceof FatalError) throw err;
    await removeClips();
    const { code, message } = describeError(err);
    // Every later source would fail the same way, and a record would mark this one as finished.
    if (code === ErrorCode.DiskFull) throw diskFull(ctx.out.root);
    record.status = code.startsWith('refused_') ? 'refused' : 'failed';
    // An unexpected error is ours, not the source's: a later run tries the source again.
    record.error = { code, message, transient: err instanceof SourceError ? err.transient : true };
    record.clips = [];
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return finish();

  async function finish(): Promise<SourceRecord> {
    timings.total = since(t0);
    record.finishedAt = new Date().toISOString();
    try {
      await ctx.out.writeRecord(record);
    } catch (err) {
      if (describeError(err).code === ErrorCode.DiskFull) throw diskFull(ctx.out.root);
      // What the source brought cannot be stored (e.g. metadata the JSON writer chokes on): record
      // that, without it, so the run and every rerun go on.
      await removeClips();
      const failed = unwritableRecord(record, err);
      await ctx.out.writeRecord(failed);
      return failed;
    }
    return record;
  }
}
