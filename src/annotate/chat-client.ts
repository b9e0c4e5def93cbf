/**
 * A client for OpenAI-compatible chat-completions endpoints (vLLM, SGLang, llama.cpp's
 * llama-server, Ollama, LM Studio, hosted APIs): one request with text and image parts, with a
 * timeout, retries with exponential backoff and jitter, and Retry-After honoured on 429/503.
 */
import { parseRetryAfter } from '../fetch/failure.js';

export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'video_url'; video_url: { url: string } };

export interface ChatRequest {
  model: string;
  parts: ContentPart[];
  /** Ask for a JSON object answer (`response_format: json_object`). */
  json?: boolean;
  maxTokens?: number;
}

export interface ChatAnswer {
  text: string;
  promptTokens: number;
  completionTokens: number;
}

export interface ChatClientOptions {
  /** Base URL ending in /v1 (…/chat/completions is appended). */
  endpoint: string;
  /** Sent as a Bearer token; never logged or stored. */
  apiKey?: string;
  timeoutSec: number;
  retries: number;
  backoffSec: number;
  /** Longest Retry-After accepted before giving up on a request, seconds. */
  maxWaitSec: number;
}

/** A failed request: `retryable` says whether a later run may try again. */
export class ChatError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'ChatError';
  }
}

export class ChatClient {
  private readonly url: string;
  constructor(private readonly opts: ChatClientOptions) {
    this.url = `${opts.endpoint.replace(/\/+$/, '')}/chat/completions`;
  }

  async complete(req: ChatRequest, signal?: AbortSignal): Promise<ChatAnswer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(req, signal);
      } catch (err) {
        if (signal?.aborted || !(err instanceof ChatError) || !err.retryable || attempt >= this.opts.retries) throw err;
        const backoff = this.opts.backoffSec * 1000 * 2 ** attempt * (0.5 + Math.random());
        const wait = err.retryAfterMs ?? backoff;
        if (wait > this.opts.maxWaitSec * 1000) throw err;
        await sleep(wait, signal);
      }
    }
  }

  private async once(req: ChatRequest, signal?: AbortSignal): Promise<ChatAnswer> {
    const body: Record<string, unknown> = {
      model: req.model,
      messages: [{ role: 'user', content: req.parts }],
      temperature: 0,
    };
    if (req.maxTokens) body.max_tokens = req.maxTokens;
    if (req.json) body.response_format = { type: 'json_object' };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const timeout = AbortSignal.timeout(this.opts.timeoutSec * 1000);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const why = timeout.aborted ? `no answer within ${this.opts.timeoutSec} s` : (err as Error).message;
      throw new ChatError(`The caption endpoint failed: ${why}.`, true);
    }
    const text = await readBody(res, timeout);
    if (!res.ok) {
      const retryable = res.status === 429 || res.status === 408 || res.status >= 500;
      const detail = text.slice(0, 200).replace(/\s+/g, ' ').trim();
      throw new ChatError(`The caption endpoint answered HTTP ${res.status}${detail ? `: ${detail}` : ''}.`, retryable, parseRetryAfter(res.headers.get('retry-after') ?? undefined));
    }
    return parseAnswer(text);
  }
}

async function readBody(res: Response, timeout: AbortSignal): Promise<string> {
  try {
    return await res.text();
  } catch {
    throw new ChatError(timeout.aborted ? 'The caption endpoint stopped answering mid-reply.' : 'The caption endpoint closed the connection mid-reply.', true);
  }
}

function parseAnswer(text: string): ChatAnswer {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ChatError('The caption endpoint did not answer with JSON.', true);
  }
  const content = json?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new ChatError('The caption endpoint answered without a message.', true);
  return {
    text: content,
    promptTokens: Number(json.usage?.prompt_tokens) || 0,
    completionTokens: Number(json.usage?.completion_tokens) || 0,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
