/**
 * An RFC 8628 peer for `ma-auth link` tests: a real node:http server on
 * 127.0.0.1:0 that answers /health as ma-auth does, hands out a scripted
 * pairing, answers token polls from a script (authorization_pending once the
 * script runs out), and records every request.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeKey } from '../../src/keys/data-key.js';
import { CLI_CLIENT_ID, cliClientSecret } from '../../src/oauth/builtin-clients.js';

export const DEVICE_CODE = 'maa_dc_stubDeviceCode0123456789abcdefghijklmnop';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  /** Milliseconds (performance.now()) when the request arrived. */
  readonly at: number;
  readonly authorization: string | undefined;
  readonly form: Record<string, string>;
}

/** One scripted token answer: a status and JSON body, or a dropped connection. */
export type TokenAnswer = { status: number; body: Record<string, unknown> } | 'drop';

export const PENDING: TokenAnswer = { status: 400, body: { error: 'authorization_pending' } };
export const SLOW_DOWN: TokenAnswer = { status: 400, body: { error: 'slow_down' } };
export const DENIED: TokenAnswer = { status: 400, body: { error: 'access_denied' } };
export const EXPIRED: TokenAnswer = { status: 400, body: { error: 'expired_token' } };
export const LINKED: TokenAnswer = {
  status: 200,
  body: {
    access_token: 'maa_at_stubAccessTokenNeverPrinted0123456789abcdef',
    token_type: 'Bearer',
    expires_in: 60,
    scope: 'music.read music.control',
    linked_client_id: 'amazon-alexa',
    linked_at: 1_767_225_600,
  },
};

export interface Stub {
  readonly port: number;
  readonly requests: Recorded[];
  /** Token answers still to give, in order. */
  readonly tokens: TokenAnswer[];
  pairing: Record<string, unknown>;
  byPath(path: string): Recorded[];
  waitFor(path: string, count?: number, timeoutMs?: number): Promise<Recorded[]>;
  close(): Promise<void>;
}

export async function startStub(tokens: TokenAnswer[] = []): Promise<Stub> {
  const requests: Recorded[] = [];
  const stub = {
    port: 0,
    requests,
    tokens,
    pairing: {
      device_code: DEVICE_CODE,
      user_code: 'WDJB-MJHT',
      verification_uri: 'https://ma.example.test/link',
      verification_uri_complete: 'https://ma.example.test/link?code=WDJB-MJHT',
      expires_in: 600,
      interval: 1,
    } as Record<string, unknown>,
    byPath: (path: string) => requests.filter((r) => r.path === path),
    async waitFor(path: string, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (stub.byPath(path).length < count) {
        if (Date.now() > deadline)
          throw new Error(`stub: waited for ${count} × ${path}; got ${requests.map((r) => r.path)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return stub.byPath(path);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    let text = '';
    for await (const chunk of req) text += chunk;
    const path = (req.url ?? '').split('?')[0] as string;
    requests.push({
      method: req.method ?? '',
      path,
      at,
      authorization: req.headers.authorization,
      form: Object.fromEntries(new URLSearchParams(text)),
    });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (path === '/health') return json(200, { status: 'ok', service: 'ma-auth', version: 'stub' });
    if (path === '/oauth/device_authorization') return json(200, stub.pairing);
    if (path === '/oauth/revoke') {
      res.writeHead(200);
      return res.end();
    }
    if (path === '/alexa/token') {
      const next = tokens.shift() ?? PENDING;
      if (next === 'drop') return req.socket.destroy();
      return json(next.status, next.body);
    }
    json(404, { error: 'not_found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stub.port = (server.address() as AddressInfo).port;
  return stub;
}

/** The Basic credentials `ma-auth link` must send, from the install's key file. */
export async function expectedBasic(home: string): Promise<string> {
  const key = decodeKey((await readFile(join(home, 'config', 'data.key'), 'utf8')).trim());
  return `Basic ${Buffer.from(`${CLI_CLIENT_ID}:${cliClientSecret(key)}`).toString('base64')}`;
}
