/** Measure: each planned clip's quality signals and perceptual signature, from the analysis pass. */
import { keptClips, type SourceStage } from '../stage.js';
import { analysed } from './work.js';

export const measureStage: SourceStage = {
  name: 'measure',
  description: 'per-clip signals (motion, sharpness, exposure, frozen, single colour, bars) and perceptual signature',
  timing: 'extract',
  async run(work) {
    const { signals } = analysed(work, this.name);
    for (const clip of keptClips(work)) {
      clip.signals = signals.clipSignals(clip.startFrame, clip.endFrame);
      clip.signature = signals.clipSignature(clip.startFrame, clip.endFrame);
    }
  },
};
