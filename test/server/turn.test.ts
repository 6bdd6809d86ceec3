/**
 * The listener handles the requests parsed in one turn of the event loop
 * together, after all of them are parsed (src/server/http/turn-batch.ts), and
 * a request is in flight — for close() and the access log — from the moment
 * it is parsed.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler } from '../../src/server/context.js';
import { sendJson } from '../../src/server/http/respond.js';
import { ROUTES } from '../../src/server/routes.js';
import { startHarness } from './support.js';

// Node publishes every request it has parsed here, before emitting 'request'.
const PARSED = 'http.server.request.start';
let parsed = 0;
const count = () => {
  parsed++;
};
afterEach(() => {
  unsubscribe(PARSED, count);
});

/** Sends `raw` in one write on a new connection; resolves with everything read until the server closes it. */
function exchange(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('requests parsed in one turn are handled together', () => {
  it('two pipelined requests in one packet: the first handler runs after both are parsed', async () => {
    const seenByHandler: number[] = [];
    const handler: Handler = async (req) => {
      seenByHandler.push(parsed);
      sendJson(req.res, 200, { n: seenByHandler.length });
    };
    const h = await startHarness({
      listener: { routes: [...ROUTES, { method: 'GET', path: '/count', kind: 'json', handler }] },
    });
    subscribe(PARSED, count);
    const text = await exchange(
      h.url,
      'GET /count HTTP/1.1\r\nHost: x\r\n\r\nGET /count HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(text).toContain('{"n":1}');
    expect(text).toContain('{"n":2}');
    // Handled as each was parsed, the first handler would have seen 1.
    expect(seenByHandler).toEqual([2, 2]);
  });

  it("close() between a request's parsing and its handler waits for it: answered, logged, then the store closes", async () => {
    const handler: Handler = async (req) => {
      sendJson(req.res, 200, { answered: true });
    };
    const h = await startHarness({
      listener: { routes: [...ROUTES, { method: 'GET', path: '/answer', kind: 'json', handler }] },
    });
    let closing: Promise<void> | null = null;
    // After the request is admitted (the rest of this parse), before its handler runs (the check phase).
    const closeOnParse = () =>
      queueMicrotask(() => {
        closing ??= h.listener.close();
      });
    subscribe(PARSED, closeOnParse);
    try {
      const text = await exchange(h.url, 'GET /answer HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(text).toMatch(/^HTTP\/1\.1 200/);
      expect(text).toContain('{"answered":true}');
      expect(text.toLowerCase()).toContain('connection: close');
    } finally {
      unsubscribe(PARSED, closeOnParse);
    }
    await closing;
    expect(h.storeClosed()).toBe(true);
    expect(h.logs().filter((l) => l.msg === 'request')).toEqual([
      expect.objectContaining({ route: '/answer', status: 200 }),
    ]);
  });
});
