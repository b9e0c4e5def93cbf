/** Loads what admission needs once per run: the checked policy, the opt-out lists and the takedowns. */
import type { PolicyConfig } from '../config/schema.js';
import { loadOptOutList } from './optout.js';
import { checkUse, type PolicyContext } from './policy.js';
import { loadTakedowns } from './takedown.js';

/** A FatalError for an unknown use, an unreadable opt-out list or a corrupt takedowns.jsonl. */
export async function loadPolicyContext(config: PolicyConfig, outDir: string): Promise<PolicyContext> {
  checkUse(config);
  return { config, optOut: await loadOptOutList(config.optOutList), takenDown: await loadTakedowns(outDir) };
}
