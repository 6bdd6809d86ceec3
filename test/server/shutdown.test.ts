import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { Handler } from '../../src/server/context.js';
import { sendJson } from '../../src/server/http/respond.js';
import { ROUTES } from '../../src/server/routes.js';
import { noReuse, startHarness } from './support.js';

function slowRoute() {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let entered!: () => void;
  const started = new Promise<void>((r) => {
    entered = r;
  });
  const handler: Handler = async (req) => {
    entered();
    await released;
    sendJson(req.res, 200, { done: true });
  };
  return {
    routes: [...ROUTES, { method: 'GET' as const, path: '/slow', kind: 'json' as const, handler }],
    started,
    release,
  };
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request, refuses new connections, then closes the store', async () => {
    const slow = slowRoute();
    const h = await startHarness({ listener: { routes: slow.routes, handlerTimeoutMs: 5_000 } });
    const inFlight = request(`${h.url}/slow`, { dispatcher: noReuse });
    await slow.started;
    const closing = h.listener.close();
    await expect(request(`${h.url}/health`, { dispatcher: noReuse })).rejects.toThrow();
    expect(h.storeClosed()).toBe(false);
    slow.release();
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ done: true });
    await closing;
    expect(h.storeClosed()).toBe(true);
    expect(h.listener.server.listening).toBe(false);
  });

  it('cuts requests still running after the deadline', async () => {
    const slow = slowRoute();
    const h = await startHarness({
      listener: { routes: slow.routes, handlerTimeoutMs: 5_000, shutdownTimeoutMs: 100 },
    });
    const inFlight = request(`${h.url}/slow`, { dispatcher: noReuse });
    await slow.started;
    await h.listener.close();
    await expect(inFlight).rejects.toThrow();
    expect(h.storeClosed()).toBe(true);
    expect(h.lines.join('')).toContain('shutdown deadline passed');
    slow.release();
  });

  it('closes idle keep-alive connections at once', async () => {
    const h = await startHarness();
    const res = await request(`${h.url}/health`);
    await res.body.text();
    const started = Date.now();
    await h.listener.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
