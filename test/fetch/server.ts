/** A loopback HTTP server for fetch tests that logs every request it sees. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchConfig } from '../../src/config/schema.js';
import type { Source } from '../../src/types.js';

export interface SeenRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export interface TestServer {
  base: string;
  host: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers, at: Date.now() });
    handler(req, res, seen.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function httpSource(uri: string, id = 'src1', kind: Source['kind'] = 'http'): Source {
  return { id, uri, kind, metadata: {}, origin: { input: 'test' } };
}

/** Small, fast settings: tiny backoff, no rate limit unless a test sets one. */
export function testConfig(overrides: Partial<FetchConfig> = {}): FetchConfig {
  return FetchConfig.parse({ timeoutSec: 3, retries: 2, backoffSec: 0.02, perHostRps: 0, maxWaitSec: 10, ...overrides });
}

/** Fetch access for tests: their servers listen on 127.0.0.1, which clipmill refuses by default. */
export const LOOPBACK = { allowPrivateNetwork: true } as const;
