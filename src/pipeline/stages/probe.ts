/** Probe: what ffprobe says about the fetched video. */
import { probe } from '../../media/probe.js';
import type { SourceStage } from '../stage.js';
import { fetchedFile } from './work.js';

export const probeStage: SourceStage = {
  name: 'probe',
  description: 'ffprobe: container, codec, size, frame rate, duration, rotation',
  async run(work) {
    work.record.probe = await probe(fetchedFile(work, this.name), { signal: work.signal });
  },
};
