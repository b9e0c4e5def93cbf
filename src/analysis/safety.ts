/**
 * Optional safety score. The classifier is the MobileNetV2 NSFW model whose topology and weights
 * ship inside the nsfwjs npm package (as JavaScript modules holding JSON and base64), run on
 * TensorFlow.js's pure-JavaScript CPU backend: nothing is downloaded and no native binary is
 * needed. TensorFlow.js is imported only when the model is first loaded, so runs with safety off
 * never pay for it.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { ModelDefinition, NSFWJS } from 'nsfwjs/core';
import { FatalError } from '../errors.js';

/** The model's output classes, in output order (nsfwjs' NSFW_CLASSES, lower-cased). */
export const SAFETY_CLASSES = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;
export type SafetyClass = (typeof SAFETY_CLASSES)[number];

/** Weight of each class in the nsfw score: explicit classes count fully, suggestive ones half. */
const NSFW_WEIGHTS: Partial<Record<SafetyClass, number>> = { porn: 1, hentai: 1, sexy: 0.5 };

export interface RgbFrame {
  /** RGB24 pixels, width * height * 3 bytes. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface SafetyScore {
  /** Highest per-frame score P(porn) + P(hentai) + 0.5 * P(sexy), 0..1. */
  nsfw: number;
  /** Class probabilities of the frame that gave that score. */
  classes: Record<SafetyClass, number>;
}

/**
 * Shares one in-flight or finished load between callers, but forgets a failed one so that the
 * next call tries again instead of every later clip getting the same stale rejection.
 */
export function sharedLoad<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
}

/**
 * Loads the classifier once per process (about 2 s of CPU); later calls share it. A failure is a
 * FatalError: safety scoring was asked for and no clip can be judged without the model.
 */
export const loadSafetyModel: () => Promise<NSFWJS> = sharedLoad(() =>
  loadBundledModel().catch((err: unknown) => {
    throw new FatalError(`The safety model (nsfwjs + @tensorflow/tfjs) could not be loaded: ${(err as Error)?.message ?? String(err)}`);
  }),
);

async function loadBundledModel(): Promise<NSFWJS> {
  const tf = await import('@tensorflow/tfjs');
  // Production mode skips per-op debug checks and the "install tfjs-node" console notice.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const { NSFWJS } = await import('nsfwjs/core');
  // The package's declaration of this entry point loses its type; restate it.
  const bundled: ModelDefinition = (await import('nsfwjs/models/mobilenet_v2')).MobileNetV2Model;
  const json = (await bundled.modelJson()).default;
  const shards = await Promise.all(bundled.weightBundles.map(async (bundle) => (await bundle()).default));
  const manifest = json.weightsManifest ?? [];
  // Shard k of n is named group1-shard{k}of{n} in the manifest; weights follow manifest order.
  const shardByPath = new Map(shards.map((b64, i) => [`group1-shard${i + 1}of${shards.length}`, Buffer.from(b64, 'base64')]));
  const weightData = Buffer.concat(manifest.flatMap((group) => group.paths.map((p) => required(shardByPath.get(p), p))));
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: manifest.flatMap((group) => group.weights),
    // A fresh ArrayBuffer holding exactly the weights (a Buffer may be a view into a shared pool).
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
  });
  // Loading through nsfwjs' own class keeps its preprocessing (scale to 0..1, bilinear resize to 224).
  const net = new NSFWJS(handler, { size: 224 });
  await net.load();
  return net;
}

function required<T>(value: T | undefined, path: string): T {
  if (value === undefined) throw new Error(`The nsfwjs package lacks the weight shard ${path}.`);
  return value;
}

/**
 * Scores frames of any size (each is stretched to 224x224, as the model was trained) and returns
 * the worst one: a clip is as unsafe as its most unsafe sampled frame.
 */
export async function scoreFrames(frames: RgbFrame[]): Promise<SafetyScore> {
  if (frames.length === 0) throw new RangeError('scoreFrames needs at least one frame.');
  const net = await loadSafetyModel();
  const tf = await import('@tensorflow/tfjs');
  let worst: SafetyScore | undefined;
  for (const frame of frames) {
    const expected = frame.width * frame.height * 3;
    if (frame.data.length !== expected) {
      throw new RangeError(`A ${frame.width}x${frame.height} RGB frame needs ${expected} bytes, got ${frame.data.length}.`);
    }
    const pixels = tf.tensor3d(frame.data, [frame.height, frame.width, 3], 'int32');
    let output: Tensor | undefined;
    try {
      output = net.infer(pixels);
      const probs = await output.data();
      const classes = Object.fromEntries(SAFETY_CLASSES.map((c, i) => [c, probs[i]])) as Record<SafetyClass, number>;
      const nsfw = nsfwOf(classes);
      if (!worst || nsfw > worst.nsfw) worst = { nsfw, classes };
    } finally {
      pixels.dispose();
      output?.dispose();
    }
  }
  return worst as SafetyScore;
}

/** The weighted sum of the explicit and suggestive classes, clamped to 0..1 against rounding. */
export function nsfwOf(classes: Record<SafetyClass, number>): number {
  let sum = 0;
  for (const c of SAFETY_CLASSES) sum += (NSFW_WEIGHTS[c] ?? 0) * classes[c];
  return Math.min(1, Math.max(0, sum));
}
