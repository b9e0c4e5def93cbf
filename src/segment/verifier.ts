/**
 * The learned check of boundaries: gradient-boosted decision trees over the features of
 * boundary-features.ts, trained here on CPU (bench/shots/train_verifier.py) on boundaries the rules
 * find in videos made from the dev split's real footage and in its annotated real videos, and
 * shipped as a JSON file beside this module. A
 * boundary is kept when its score (probability of being a true transition) reaches VERIFIER_KEEP.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FEATURE_NAMES } from './boundary-features.js';

/**
 * Score below which a boundary is dropped. Below one half: the verifier vetoes only what it finds
 * clearly false. Chosen on the dev split and the detector's tests with an earlier model (false
 * boundaries scored at most 0.27 there, true ones at least 0.57; a true cut after a whip pan in the
 * tests, 0.38); on the dev synthetic videos the shipped model scores one true transition 0.20 (a
 * 50-frame dissolve) and one false one 0.17, and keeps 92 of their 93 true boundaries.
 */
export const VERIFIER_KEEP = 0.3;

interface TreeFile {
  features: string[];
  /** Log-odds before any tree, and the weight of each tree's output. */
  base: number;
  rate: number;
  /** Per tree, nodes as parallel arrays: feature (-1 at a leaf), threshold, left and right child, leaf value. */
  trees: { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] }[];
}

export interface BoundaryVerifier {
  score(features: number[]): number;
}

let shipped: TreeVerifier | undefined;

/** The model shipped in the package (trained by bench/shots/train_verifier.py), read once. */
export function shippedVerifier(): BoundaryVerifier {
  shipped ??= TreeVerifier.load(fileURLToPath(new URL('./boundary-model.json', import.meta.url)));
  return shipped;
}

export class TreeVerifier implements BoundaryVerifier {
  private constructor(private readonly model: TreeFile) {}

  /** Reads a model file; refused when it was trained on other features than this code computes. */
  static load(file: string): TreeVerifier {
    let model: TreeFile;
    try {
      model = JSON.parse(readFileSync(file, 'utf8')) as TreeFile;
    } catch (err) {
      throw new Error(`${file}: the boundary verifier's model could not be read (${(err as Error).message}); reinstall clipmill, or run with --rules-only`);
    }
    const features: unknown[] = Array.isArray(model?.features) ? model.features : [];
    if (JSON.stringify(features) !== JSON.stringify(FEATURE_NAMES) || !Array.isArray(model.trees)) {
      throw new Error(`${file}: the model's features (${features.join(', ') || 'none'}) are not the ones this version computes`);
    }
    return new TreeVerifier(model);
  }

  score(features: number[]): number {
    let logit = this.model.base;
    for (const t of this.model.trees) {
      let node = 0;
      while (t.feature[node] >= 0) node = features[t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
      logit += this.model.rate * t.value[node];
    }
    return 1 / (1 + Math.exp(-logit));
  }
}
