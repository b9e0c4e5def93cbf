/** Measure: each planned clip's quality signals and perceptual signature, from the analysis pass. */
import { sourceSignals } from '../../analysis/signals.js';
import { keptClips, type SourceStage } from '../stage.js';
import { analysed } from './work.js';

export const measureStage: SourceStage = {
  name: 'measure',
  description: 'per-clip signals (motion, local/camera/scene motion, sharpness, edge sharpness, exposure, frozen, single colour, bars, bits per pixel, quantiser) and perceptual signature',
  timing: 'extract',
  async run(work) {
    const { signals } = analysed(work, this.name);
    // What the whole source says of every clip (bits per pixel, for the low-bitrate filter).
    const perSource = work.record.probe ? sourceSignals(work.record.probe) : {};
    for (const clip of keptClips(work)) {
      clip.signals = { ...signals.clipSignals(clip.startFrame, clip.endFrame), ...perSource };
      clip.signature = signals.clipSignature(clip.startFrame, clip.endFrame);
    }
  },
};
