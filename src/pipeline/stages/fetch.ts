/** Fetch: the source's bytes into its scratch folder, refusing it on an opting-out X-Robots-Tag. */
import { mkdir } from 'node:fs/promises';
import { ErrorCode, SourceError } from '../../errors.js';
import { fetchSource } from '../../fetch/index.js';
import { robotsTagRefusal, userAgentToken } from '../../policy/optout.js';
import type { SourceStage } from '../stage.js';
import { removeClipFiles } from './work.js';

export const fetchStage: SourceStage = {
  name: 'fetch',
  description: 'download (http, yt-dlp) or read in place, politely per host; provenance of the bytes',
  async run(work) {
    const { cfg } = work;
    // A source redone after a crash starts from a clean slate: no half-written clips survive.
    await removeClipFiles(work);
    await mkdir(work.workDir, { recursive: true });
    const fetched = await fetchSource(work.source, work.workDir, cfg.fetch, {
      ...work.access,
      gate: work.gate,
      signal: work.signal,
      onHeaders: (_status, _headers, lines) => {
        if (!cfg.policy.honorRobotsTag) return;
        // Header lines kept apart: a scope on one X-Robots-Tag line ends with that line.
        const refusal = robotsTagRefusal(lines, userAgentToken(cfg.fetch.userAgent), cfg.policy.robotsTagDirectives);
        if (refusal) throw new SourceError(ErrorCode.RefusedOptOut, refusal);
      },
    });
    work.fetched = fetched;
    work.record.provenance = {
      finalUri: fetched.finalUri,
      retrievedAt: fetched.retrievedAt,
      bytes: fetched.bytes,
      sha256: fetched.sha256,
      headers: fetched.headers,
      fetcherMetadata: fetched.metadata,
    };
  },
};
