/** Analyse: the one decode of the source, feeding the shot detector and every per-frame signal. */
import { analyseVideo } from '../analyse.js';
import type { SourceStage } from '../stage.js';
import { fetchedFile, probed } from './work.js';

export const analyseStage: SourceStage = {
  name: 'analyse',
  description: 'one low-resolution decode: hard cuts, gradual transitions, per-frame quality signals, perceptual hashes',
  async run(work) {
    const analysis = await analyseVideo(fetchedFile(work, this.name), probed(work, this.name), {
      analysisWidth: work.cfg.segment.analysisWidth,
      threshold: work.cfg.segment.threshold,
      verifier: work.cfg.segment.verify ? undefined : null,
      hwaccel: work.hwaccel,
      signal: work.signal,
    });
    work.analysis = analysis;
    work.record.shots = analysis.shots;
    work.record.transitions = analysis.transitions;
  },
};
