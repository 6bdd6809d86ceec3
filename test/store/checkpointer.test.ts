/**
 * The listener's store checkpoints on a worker thread (store/sqlite/
 * checkpointer.ts): what it commits reaches the database file itself, not
 * only the WAL, without the event loop doing the copying.
 */
import { copyFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient } from '../../src/oauth/builtin-clients.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const NOW = 1_790_000_000_000;

describe("the listener store's checkpoints", () => {
  it('copy committed grants into the database file from a worker thread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ma-auth-ckpt-'));
    const file = join(dir, 'ma-auth.db');
    const store = await SqliteStore.open({ file, key: generateDataKey(), create: true, listener: true });
    try {
      await store.initialise({
        owner: { id: 'owner', name: 'o' },
        clients: [alexaClient('alexa', ['https://pitangui.amazon.com/api/skill/link/M2X'], 'ab'.repeat(32))],
        now: NOW,
      });
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.createGrant({
            grant: {
              id: `g${i}`,
              clientId: 'alexa',
              ownerId: 'owner',
              scope: 'music.read',
              origin: 'authorization_code',
            },
            tokens: [],
            now: NOW,
          }),
        ),
      );
      const deadline = Date.now() + 10_000;
      while ((store.checkpoints ?? 0) === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(store.checkpoints).toBeGreaterThan(0);
      // The database file alone, without its WAL, already holds them.
      const copy = join(dir, 'copy.db');
      copyFileSync(file, copy);
      const db = new DatabaseSync(copy, { readOnly: true });
      expect(db.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n: 200 });
      db.close();
    } finally {
      await store.close();
    }
  });

  it('a plain (CLI) store has no checkpoint thread', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ma-auth-ckpt-')), 'ma-auth.db');
    const store = await SqliteStore.open({ file, key: generateDataKey(), create: true });
    expect(store.checkpoints).toBeNull();
    await store.close();
  });
});

describe('a listener store left open', () => {
  it('does not keep the process alive', async () => {
    const { spawnSync } = await import('node:child_process');
    const { pathToFileURL } = await import('node:url');
    const dist = (p: string) => JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', p)).href);
    const dir = await mkdtemp(join(tmpdir(), 'ma-auth-ckpt-'));
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { SqliteStore } = await import(${dist('store/sqlite/sqlite-store.js')});
         const { generateDataKey } = await import(${dist('keys/data-key.js')});
         const store = await SqliteStore.open({ file: ${JSON.stringify(join(dir, 'ma-auth.db'))}, key: generateDataKey(), create: true, listener: true });
         await store.initialise({ owner: { id: 'o', name: 'o' }, clients: [], now: 1 });
         // A batched write: the checkpoint thread gets work, and answers.
         await store.appendAudit({ at: 1, kind: 'linked', severity: 'info', clientId: null, grantId: null, detail: {} });
         const until = Date.now() + 5000;
         while (!store.checkpoints && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
         console.log('opened', store.checkpoints);`,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(r.stdout).toMatch(/opened [1-9]/);
    expect(r.status).toBe(0); // null (killed by the timeout) if something kept it alive
  });
});
