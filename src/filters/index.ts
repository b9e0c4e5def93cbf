/** The `filters` of the public API: the filter contract, the built-in quality filters and their parts. */
export { firstDrop, formatValue, KEEP, type ClipFilter, type Verdict } from './filter.js';
export { ThresholdFilter, type ThresholdRule } from './threshold.js';
export { LetterboxFilter, barShare } from './letterbox.js';
export { qualityFilters, cropFor } from './judge.js';
