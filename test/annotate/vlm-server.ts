/**
 * A loopback server speaking the OpenAI chat-completions protocol that really looks at what it is
 * sent: it decodes every JPEG frame with ffmpeg and answers with the frames' dominant colours in
 * order, so a test can prove which frames of which clip reached the model. It counts requests,
 * tracks how many are in flight, and can be told to fail, delay or answer badly.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jpegMeanColour } from '../helpers/media.js';

export type Behaviour = 'ok' | 'rate-limit-once' | 'bad-json' | 'server-error' | 'text';

export interface VlmServer {
  endpoint: string;
  requests: number;
  maxInFlight: number;
  /** Authorization headers seen. */
  auth: string[];
  /** Colour answers given, per request, in order. */
  answers: string[][];
  /** SHA-256 of each request body, in the order received: the same clip asked twice shows twice. */
  bodies: string[];
  behaviour: Behaviour;
  delayMs: number;
  /** Decode the frames to answer with their colours (default); off, it answers without looking (benchmarks). */
  decodeFrames: boolean;
  /** Called with the request number (1-based) as each request arrives, before it is answered. */
  onRequest?: (n: number) => void;
  /**
   * Hold every answer until this many requests are in flight at once (or a minute has passed), so
   * a test sees whether the client keeps that many going, whatever the machine's speed.
   */
  holdUntilInFlight?: number;
  close(): Promise<void>;
}

const COLOURS: Record<string, [number, number, number]> = {
  red: [255, 0, 0],
  green: [0, 128, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  white: [255, 255, 255],
  black: [0, 0, 0],
};

/** The named colour nearest to a JPEG's average colour (decoded by ffmpeg to one pixel). */
async function dominantColour(jpeg: Buffer): Promise<string> {
  const [r, g, b] = await jpegMeanColour(jpeg);
  let best = 'black';
  let bestD = Infinity;
  for (const [name, [cr, cg, cb]] of Object.entries(COLOURS)) {
    const d = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;
    if (d < bestD) [best, bestD] = [name, d];
  }
  return best;
}

export async function startVlmServer(): Promise<VlmServer> {
  let inFlight = 0;
  let rateLimited = false;
  const state: VlmServer = {
    endpoint: '',
    requests: 0,
    maxInFlight: 0,
    auth: [],
    answers: [],
    bodies: [],
    behaviour: 'ok',
    delayMs: 0,
    decodeFrames: true,
    close: async () => {},
  };
  const server = http.createServer(async (req, res) => {
    state.requests++;
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      state.auth.push(String(req.headers.authorization ?? ''));
      state.bodies.push(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
      state.onRequest?.(state.requests);
      if (req.url !== '/v1/chat/completions' || req.method !== 'POST') return send(res, 404, { error: 'not found' });
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.holdUntilInFlight) {
        const deadline = Date.now() + 60_000;
        while (state.maxInFlight < state.holdUntilInFlight && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      }
      if (state.behaviour === 'server-error') return send(res, 500, { error: 'boom' });
      if (state.behaviour === 'rate-limit-once' && !rateLimited) {
        rateLimited = true;
        res.setHeader('retry-after', '1');
        return send(res, 429, { error: 'slow down' });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const parts: any[] = body.messages[0].content;
      const frames = parts.filter((p) => p.type === 'image_url').map((p) => Buffer.from(String(p.image_url.url).split(',')[1], 'base64'));
      const colours = state.decodeFrames ? await Promise.all(frames.map(dominantColour)) : frames.map(() => 'unseen');
      state.answers.push(colours);
      const caption = `frames: ${colours.join(' ')}`;
      const content = state.behaviour === 'bad-json' ? '{"caption": "unterminated' : state.behaviour === 'text' || !body.response_format
        ? caption
        : JSON.stringify({ caption, category: colours[0] === 'blue' ? 'Nature / Scenery' : 'animation', tags: colours, defects: [] });
      send(res, 200, {
        id: 'test', object: 'chat.completion', model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100 * frames.length, completion_tokens: 12, total_tokens: 100 * frames.length + 12 },
      });
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.endpoint = `http://127.0.0.1:${port}/v1`;
  state.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
