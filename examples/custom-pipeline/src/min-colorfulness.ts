/** A custom threshold filter, one file: drops clips duller than a colourfulness limit (grey footage). */
import { filters } from 'clipmill';

export class MinColorfulness extends filters.ThresholdFilter {
  constructor(limit: number) {
    // `signal` is typed: a misspelt signal name does not compile.
    super({ name: 'dull', signal: 'colorfulness', op: '<', limit });
  }
}
