/**
 * Clip embeddings from an ONNX image encoder the user gives (`--embed-model encoder.onnx`, e.g. a
 * CLIP vision tower exported to ONNX), run on the CPU with onnxruntime-node. The contract: one
 * float32 input [N, 3, H, W] (H and W from the model's input shape, 224 where dynamic) and one
 * [N, D] output. Frames of a clip are embedded together, mean-pooled and L2-normalised, so cosine
 * similarity is a dot product.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { ErrorCode, FatalError, SourceError } from '../errors.js';
import { clipRgbFrames } from './clip-frames.js';

export interface EmbedderOptions {
  modelPath: string;
  frames: number;
  /** Per-channel mean and std of pixels scaled to 0..1 (CLIP's by default). */
  mean: [number, number, number];
  std: [number, number, number];
}

const DYNAMIC_SIZE = 224;

/** onnxruntime-node is an optional peer dependency: only runs with an embedding model need it. */
async function loadOnnxRuntime(): Promise<typeof import('onnxruntime-node')> {
  try {
    return await import('onnxruntime-node');
  } catch {
    throw new FatalError(
      'Embedding clips needs the onnxruntime-node package: npm install onnxruntime-node@1.30.0 ' +
        '(with onnxruntime-node-install=skip in .npmrc, which keeps its CPU build and downloads nothing).',
    );
  }
}

export class ClipEmbedder {
  private session?: Promise<{ session: InferenceSession; height: number; width: number }>;
  constructor(private readonly opts: EmbedderOptions) {}

  private load() {
    this.session ??= (async () => {
      const ort = await loadOnnxRuntime();
      let session: InferenceSession;
      try {
        session = await ort.InferenceSession.create(this.opts.modelPath);
      } catch (err) {
        throw new FatalError(`The embedding model ${this.opts.modelPath} could not be loaded: ${(err as Error).message}`);
      }
      if (session.inputNames.length !== 1 || session.outputNames.length < 1) {
        throw new FatalError(`The embedding model must take one input [N, 3, H, W]; ${this.opts.modelPath} takes ${session.inputNames.length}.`);
      }
      const meta = session.inputMetadata[0];
      const shape = meta && meta.isTensor ? meta.shape : [];
      const size = (dim: unknown) => (typeof dim === 'number' && dim > 0 ? dim : DYNAMIC_SIZE);
      return { session, height: size(shape[2]), width: size(shape[3]) };
    })();
    return this.session;
  }

  /** The clip's embedding: D floats of unit length. */
  async embed(clipFile: string, frameCount: number, signal?: AbortSignal): Promise<number[]> {
    const { session, height, width } = await this.load();
    const { frames, data } = await clipRgbFrames(clipFile, { frameCount, count: this.opts.frames, width, height, signal });
    const ort = await loadOnnxRuntime();
    const input = new ort.Tensor('float32', this.toPlanar(data, frames, height, width), [frames, 3, height, width]);
    const outputs = await session.run({ [session.inputNames[0]]: input });
    const output = outputs[session.outputNames[0]];
    const dims = output.dims;
    if (dims.length !== 2 || dims[0] !== frames) {
      throw new SourceError(ErrorCode.Internal, `The embedding model answered shape [${dims.join(', ')}], not [${frames}, D].`);
    }
    return meanPooledUnit(output.data as Float32Array, frames, dims[1]);
  }

  /** Interleaved RGB bytes to normalised planar floats, frame by frame. */
  private toPlanar(rgb: Buffer, frames: number, height: number, width: number): Float32Array {
    const plane = height * width;
    const out = new Float32Array(frames * 3 * plane);
    const { mean, std } = this.opts;
    for (let f = 0; f < frames; f++) {
      const src = f * plane * 3;
      const dst = f * plane * 3;
      for (let p = 0; p < plane; p++) {
        for (let c = 0; c < 3; c++) out[dst + c * plane + p] = (rgb[src + p * 3 + c] / 255 - mean[c]) / std[c];
      }
    }
    return out;
  }
}

function meanPooledUnit(data: Float32Array, rows: number, dim: number): number[] {
  const sum = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) sum[d] += data[r * dim + d];
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += sum[d] * sum[d];
  norm = Math.sqrt(norm) || 1;
  return Array.from(sum, (v) => Math.fround(v / norm));
}
