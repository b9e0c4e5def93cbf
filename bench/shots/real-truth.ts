/**
 * Real videos from Debian packages whose transitions were annotated by eye, frame by frame
 * (bench/shots/truth/*.json). A file is named by package, path inside the package and sha256;
 * it is found through the media manifest (bench/media) and skipped, with a message, when it is
 * missing or its bytes differ from the annotated ones.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMedia, type MediaKind, type Split } from '../media/manifest.js';
import type { Truth } from './synth.js';

export interface AnnotatedTruth extends Truth {
  package: string;
  inside: string;
  sha256: string;
  split: Split;
  fps: number;
  /** What the footage holds, in words (motion, repeats, transitions seen). */
  notes: string;
  /** Frames that are no shot of their own (a one-frame black leader): detections there are not scored. */
  dontCare: { startFrame: number; endFrame: number }[];
}

export interface AnnotatedVideo {
  name: string;
  file: string;
  /** The media manifest's kind of the file (bench/media). */
  kind: MediaKind;
  truth: AnnotatedTruth;
}

export const TRUTH_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'truth');

/**
 * Every annotation in `dir`, by name (file name without .json), in name order. Throws when two
 * annotate the same file: one file annotated twice, in two splits, would put held-out footage
 * into development.
 */
export function readAnnotations(dir = TRUTH_DIR): { name: string; truth: AnnotatedTruth }[] {
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')).sort() : [];
  const annotatedAs = new Map<string, string>();
  return names.map((file) => {
    const truth = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as AnnotatedTruth;
    const twin = annotatedAs.get(truth.sha256);
    if (twin) throw new Error(`${dir}: ${file} and ${twin} annotate the same file (sha256 ${truth.sha256}); keep one`);
    annotatedAs.set(truth.sha256, file);
    return { name: file.replace(/\.json$/, ''), truth };
  });
}

export function annotatedVideos(split: Split): AnnotatedVideo[] {
  const media = loadMedia();
  const out: AnnotatedVideo[] = [];
  for (const { name, truth } of readAnnotations()) {
    if (truth.split !== split) continue;
    const entry = media.find((m) => m.package === truth.package && m.inside === truth.inside);
    if (!entry) {
      console.error(`skipped ${name}: ${truth.package} ${truth.inside} is not in the media manifest (bench/media/fetch-debian-media.sh)`);
    } else if (entry.sha256 !== truth.sha256) {
      console.error(`skipped ${name}: ${entry.file} has sha256 ${entry.sha256}, the annotation is for ${truth.sha256}`);
    } else {
      out.push({ name, file: entry.file, kind: entry.kind, truth });
    }
  }
  return out;
}
