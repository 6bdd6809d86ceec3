import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient, cliClient } from '../../src/oauth/builtin-clients.js';
import { createLogger } from '../../src/server/log.js';
import { startServer } from '../../src/server/serve.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { testConfig } from './support.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function realStore() {
  const dir = await mkdtemp(join(tmpdir(), 'ma-auth-serve-'));
  dirs.push(dir);
  const key = generateDataKey();
  const store = await SqliteStore.open({ file: join(dir, 'ma-auth.db'), key, create: true });
  await store.initialise({
    owner: { id: 'owner', name: 'Owner' },
    clients: [
      alexaClient('amazon-alexa', ['https://layla.amazon.com/api/skill/link/X'], 'a'.repeat(64)),
      cliClient(),
    ],
    now: Date.now(),
  });
  return { store, key };
}

describe('startServer', () => {
  it('serves on the configured address and shuts down on SIGTERM, closing the store', async () => {
    const { store, key } = await realStore();
    const lines: string[] = [];
    const log = createLogger({ write: (l) => void lines.push(l) });
    const before = process.listenerCount('SIGTERM');
    const running = await startServer({ config: testConfig(), store, key, log, host: '127.0.0.1', port: 0 });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    const res = await request(`http://127.0.0.1:${running.address.port}/health`);
    expect(((await res.body.json()) as { service: string }).service).toBe('ma-auth');

    process.emit('SIGTERM', 'SIGTERM');
    await running.closed;
    expect(process.listenerCount('SIGTERM')).toBe(before);
    await expect(store.schemaVersion()).rejects.toThrow();
    const msgs = lines.map((l) => JSON.parse(l).msg);
    expect(msgs).toEqual(expect.arrayContaining(['listening', 'shutting down', 'stopped']));
  });

  it('serves the real protocol core by default', async () => {
    const { store, key } = await realStore();
    const running = await startServer({
      config: testConfig(),
      store,
      key,
      log: createLogger({ write: () => {} }),
      host: '127.0.0.1',
      port: 0,
      handleSignals: false,
    });
    // An unknown client is refused by the core's client authentication, not by a stub.
    const res = await request(`http://127.0.0.1:${running.address.port}/alexa/token`, {
      method: 'POST',
      body: 'grant_type=refresh_token&refresh_token=x&client_id=nobody&client_secret=nothing',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ error: 'invalid_client' });
    await running.close();
  });
});
