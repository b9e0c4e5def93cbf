/**
 * Captions and categories for kept clips from a vision-language model behind an OpenAI-compatible
 * endpoint. Frames (or the clip itself) go out as data URIs; the answer is plain text or, with
 * `structured`, a JSON object {caption, category, tags, defects} that is validated. Answers are
 * cached on disk by clip id + model + prompt, so a rerun or a resume never asks twice. Requests
 * from every task of a run share one concurrency limit.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { z } from 'zod';
import { writeFileAtomic } from '../store/output.js';
import { ChatClient, ChatError, type ContentPart } from './chat-client.js';
import { clipJpegFrames } from './clip-frames.js';
import { categoryFromMetadata, normaliseCategory } from './taxonomy.js';
import type { CaptionConfig } from '../config/schema.js';
import { renderPrompt, STRUCTURED_SUFFIX } from './prompt.js';

/** What the captioner needs of a clip. */
export interface ClipToDescribe {
  clipId: string;
  /** Absolute path of the written clip. */
  file: string;
  duration: number;
  /** Frames in the clip file. */
  frameCount: number;
  /** A caption the dataset brought (presets), offered to the prompt. */
  datasetCaption?: string;
  /** Source and clip metadata (title, tags, labels...), for the prompt and the category rules. */
  metadata: Record<string, unknown>[];
}

export interface Description {
  caption?: string;
  captionModel?: string;
  category?: string;
  /** How the category was assigned: 'vlm' (the model's answer) or 'metadata' (rules). */
  categorySource?: 'vlm' | 'metadata';
  tags?: string[];
  defects?: string[];
  promptTokens?: number;
  completionTokens?: number;
  /** Why no caption could be had; a later run tries again. */
  captionError?: string;
  /** True when the answer came from the cache (no request made). */
  cached?: boolean;
}

const StructuredAnswer = z.object({
  caption: z.string().min(1),
  category: z.string().optional(),
  tags: z.array(z.string()).optional(),
  defects: z.array(z.string()).optional(),
});

interface CachedAnswer {
  caption: string;
  category?: string;
  tags?: string[];
  defects?: string[];
  promptTokens: number;
  completionTokens: number;
}

export class Captioner {
  private readonly client: ChatClient;
  private readonly limit: LimitFunction;
  constructor(
    private readonly cfg: CaptionConfig,
    private readonly cacheDir: string,
    apiKey: string | undefined,
  ) {
    if (!cfg.endpoint) throw new Error('Captioner needs caption.endpoint');
    this.client = new ChatClient({
      endpoint: cfg.endpoint,
      apiKey,
      timeoutSec: cfg.timeoutSec,
      retries: cfg.retries,
      backoffSec: cfg.backoffSec,
      maxWaitSec: cfg.maxWaitSec,
    });
    this.limit = pLimit(cfg.concurrency);
  }

  /** The prompt for a clip, as sent. */
  prompt(clip: ClipToDescribe): string {
    const title = clip.metadata.map((m) => m?.title).find((t): t is string => typeof t === 'string');
    const base = renderPrompt(this.cfg.prompt, {
      title,
      caption: clip.datasetCaption,
      duration: clip.duration.toFixed(1),
      categories: JSON.stringify(this.cfg.taxonomy),
    });
    return this.cfg.structured ? base + renderPrompt(STRUCTURED_SUFFIX, { categories: JSON.stringify(this.cfg.taxonomy) }) : base;
  }

  describe(clip: ClipToDescribe, signal?: AbortSignal): Promise<Description> {
    return this.limit(() => this.describeNow(clip, signal));
  }

  private async describeNow(clip: ClipToDescribe, signal?: AbortSignal): Promise<Description> {
    const prompt = this.prompt(clip);
    const cacheFile = this.cachePath(clip.clipId, prompt);
    let answer = await readCache(cacheFile);
    const cached = answer !== undefined;
    if (!answer) {
      try {
        answer = await this.ask(clip, prompt, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        if (!(err instanceof ChatError)) throw err;
        return { captionError: err.message, ...this.ruleCategory(clip) };
      }
      await mkdir(path.dirname(cacheFile), { recursive: true });
      await writeFileAtomic(cacheFile, JSON.stringify(answer));
    }
    const vlmCategory = normaliseCategory(answer.category, this.cfg.taxonomy);
    return {
      caption: answer.caption,
      captionModel: this.cfg.model,
      ...(vlmCategory ? { category: vlmCategory, categorySource: 'vlm' as const } : this.ruleCategory(clip)),
      tags: answer.tags,
      defects: answer.defects,
      promptTokens: answer.promptTokens,
      completionTokens: answer.completionTokens,
      cached,
    };
  }

  private ruleCategory(clip: ClipToDescribe): Pick<Description, 'category' | 'categorySource'> {
    const category = categoryFromMetadata(clip.metadata, this.cfg.taxonomy);
    return category ? { category, categorySource: 'metadata' } : {};
  }

  private async ask(clip: ClipToDescribe, prompt: string, signal?: AbortSignal): Promise<CachedAnswer> {
    const parts: ContentPart[] = [{ type: 'text', text: prompt }];
    if (this.cfg.sendVideo) {
      const bytes = await readFile(clip.file);
      parts.push({ type: 'video_url', video_url: { url: `data:video/mp4;base64,${bytes.toString('base64')}` } });
    } else {
      const frames = await clipJpegFrames(clip.file, {
        frameCount: clip.frameCount,
        count: this.cfg.frames,
        width: this.cfg.frameWidth,
        signal,
      });
      for (const jpeg of frames) parts.push({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}` } });
    }
    const reply = await this.client.complete({ model: this.cfg.model, parts, json: this.cfg.structured, maxTokens: this.cfg.maxTokens }, signal);
    const tokens = { promptTokens: reply.promptTokens, completionTokens: reply.completionTokens };
    if (!this.cfg.structured) {
      const caption = reply.text.trim();
      if (!caption) throw new ChatError('The caption model answered with an empty caption.', true);
      return { caption, ...tokens };
    }
    return { ...parseStructured(reply.text), ...tokens };
  }

  private cachePath(clipId: string, prompt: string): string {
    const how = this.cfg.sendVideo ? 'video' : `${this.cfg.frames}x${this.cfg.frameWidth}`;
    const key = createHash('sha256').update(JSON.stringify([clipId, this.cfg.model, prompt, how])).digest('hex');
    return path.join(this.cacheDir, key.slice(0, 2), `${key}.json`);
  }
}

/** The model's JSON answer, tolerating a Markdown code fence around it. */
function parseStructured(text: string): Omit<CachedAnswer, 'promptTokens' | 'completionTokens'> {
  const body = text.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ChatError(`The caption model's answer is not valid JSON: ${text.slice(0, 120)}`, true);
  }
  const parsed = StructuredAnswer.safeParse(json);
  if (!parsed.success) throw new ChatError(`The caption model's JSON answer has no usable caption: ${text.slice(0, 120)}`, true);
  return parsed.data;
}

async function readCache(file: string): Promise<CachedAnswer | undefined> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as CachedAnswer;
    return typeof json.caption === 'string' ? json : undefined;
  } catch {
    return undefined;
  }
}
