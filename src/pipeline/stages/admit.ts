/** Admission, before anything is downloaded: licence under the declared use, opt-outs, takedowns. */
import { hostOf } from '../../fetch/index.js';
import { ytDlpMetadata } from '../../fetch/ytdlp.js';
import { decideAdmissionWithLookup } from '../../policy/reported-license.js';
import type { Source } from '../../types.js';
import type { SourceStage, SourceWork } from '../stage.js';

/** yt-dlp metadata of a page (no media), taking a slot of the host's politeness gate like a download. */
async function askYtDlp(source: Source, work: SourceWork): Promise<Record<string, unknown>> {
  const release = await work.gate.acquire(hostOf(source.uri), work.signal);
  try {
    return await ytDlpMetadata(source.uri, work.cfg.fetch, { signal: work.signal, allowPrivateNetwork: work.access?.allowPrivateNetwork });
  } finally {
    release();
  }
}

export const admitStage: SourceStage = {
  name: 'admit',
  description: 'licence under the declared use, opt-out lists, takedowns (a refused source is recorded, never downloaded)',
  timing: false,
  async run(work) {
    const admission = await decideAdmissionWithLookup(work.source, work.policy, (s) => askYtDlp(s, work));
    if (!admission.admit) {
      work.record.status = 'refused';
      work.record.error = { code: admission.code, message: admission.reason, transient: false };
      work.settled = true;
      return;
    }
    work.record.license = admission.license;
  },
};
