/** The filter most quality rules are: drop a clip whose signal is below (or above) a limit. */
import type { SignalName, Signals } from '../schema/signals.js';
import { formatValue, KEEP, type ClipFilter, type Verdict } from './filter.js';

export interface ThresholdRule {
  /** Reason prefix, e.g. `static`. */
  name: string;
  signal: SignalName;
  /** `<`: drop when the signal is below `limit`; `>`: drop when above. */
  op: '<' | '>';
  limit: number;
}

export class ThresholdFilter implements ClipFilter {
  readonly name: string;
  constructor(readonly rule: ThresholdRule) {
    this.name = rule.name;
  }

  judge(signals: Signals): Verdict {
    const { signal, op, limit } = this.rule;
    const value = signals[signal];
    if (value === undefined || !Number.isFinite(value)) return KEEP;
    if (op === '<' ? value < limit : value > limit) {
      return { keep: false, reason: `${this.name}: ${signal}=${formatValue(value)} ${op} ${formatValue(limit)}` };
    }
    return KEEP;
  }
}
