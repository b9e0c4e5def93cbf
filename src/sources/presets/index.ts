/** The dataset presets, by the name given to `--preset`. */
import { FatalError } from '../../errors.js';
import { hdvila } from './hdvila.js';
import { internvid } from './internvid.js';
import { kinetics } from './kinetics.js';
import { panda70m } from './panda70m.js';
import type { Preset } from './preset.js';
import { webvid } from './webvid.js';

export type { Preset, SourceDraft } from './preset.js';

const PRESETS: ReadonlyMap<string, Preset> = new Map([hdvila, panda70m, webvid, internvid, kinetics].map((p) => [p.name, p]));

export const presetNames: readonly string[] = [...PRESETS.keys()];

export function getPreset(name: string): Preset {
  const preset = PRESETS.get(name.toLowerCase());
  if (!preset) throw new FatalError(`unknown preset "${name}"; known presets: ${presetNames.join(', ')}`);
  return preset;
}
