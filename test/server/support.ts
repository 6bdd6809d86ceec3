/**
 * Test harness: a real listener on 127.0.0.1:0 with a fake clock, a capturing
 * logger, a stub store and a stub protocol core (each test overrides what it needs).
 */
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { generateDataKey } from '../../src/keys/data-key.js';
import type { ServerContext } from '../../src/server/context.js';
import { RateLimiter, type RateLimiterOptions } from '../../src/server/http/rate-limit.js';
import { createListener, type Listener, type ListenerOptions } from '../../src/server/listener.js';
import { createLogger } from '../../src/server/log.js';
import { type Protocol, unwiredProtocol } from '../../src/server/protocol.js';
import type { Store } from '../../src/store/store.js';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    version: 1,
    publicUrl: 'https://ma.example.com',
    listen: { host: '127.0.0.1', port: 0 },
    keyStore: 'file',
    alexaClientId: 'amazon-alexa',
    trustProxy: false,
    insecureHttp: false,
    accessTokenTtl: 3600,
    refreshIdleTtl: 180 * 24 * 3600,
    ...overrides,
  };
}

export class FakeClock {
  constructor(public ms = Date.UTC(2025, 0, 1)) {}
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface Harness {
  readonly url: string;
  readonly ctx: ServerContext;
  readonly listener: Listener;
  readonly clock: FakeClock;
  readonly lines: string[];
  /** Parsed log records. */
  logs(): Array<Record<string, unknown>>;
  storeClosed(): boolean;
}

export interface HarnessOptions {
  readonly config?: Partial<Config>;
  /** Stub protocol functions; they may return any JSON-able shape (the listener only serialises it). */
  readonly protocol?: { [K in keyof Protocol]?: (...args: Parameters<Protocol[K]>) => Promise<unknown> };
  readonly rateLimits?: RateLimiterOptions['rules'];
  readonly listener?: ListenerOptions;
}

const open: Listener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new FakeClock();
  const lines: string[] = [];
  let closed = false;
  const store = {
    close: async () => {
      closed = true;
    },
  } as unknown as Store;
  const ctx: ServerContext = {
    config: testConfig(options.config),
    store,
    key: generateDataKey(),
    log: createLogger({ write: (line) => void lines.push(line), level: 'debug', now: clock.now }),
    limiter: new RateLimiter({ now: clock.now, rules: options.rateLimits }),
    now: clock.now,
    version: '9.9.9-test',
    protocol: { ...unwiredProtocol, ...(options.protocol as Partial<Protocol>) },
  };
  const listener = createListener(ctx, options.listener);
  open.push(listener);
  const address: AddressInfo = await listener.listen('127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${address.port}`,
    ctx,
    listener,
    clock,
    lines,
    logs: () => lines.map((l) => JSON.parse(l)),
    storeClosed: () => closed,
  };
}

/** A fresh connection per request, so keep-alive never hides a closed server. */
export const noReuse = new Agent({ pipelining: 0 });

export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const res = await request(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export async function get(
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const res = await request(url, { method, headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}
