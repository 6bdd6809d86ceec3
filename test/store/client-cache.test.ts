/**
 * The listener caches client registrations (read on every token request)
 * until another connection commits (store/sqlite/external-change.ts). A CLI
 * command that changes a client in another process must be seen by the
 * listener without a restart; its own writes at once.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient } from '../../src/oauth/builtin-clients.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const NOW = 1_790_000_000_000;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('client cache', () => {
  let listener: SqliteStore;
  let cli: SqliteStore;
  beforeEach(async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ma-auth-cache-')), 'ma-auth.db');
    const key = generateDataKey();
    listener = await SqliteStore.open({ file, key, create: true, listener: true });
    await listener.initialise({
      owner: { id: 'owner', name: 'o' },
      clients: [
        alexaClient('amazon-alexa', ['https://pitangui.amazon.com/api/skill/link/M2X'], 'ab'.repeat(32)),
      ],
      now: NOW,
    });
    cli = await SqliteStore.open({ file, key });
    return async () => {
      await cli.close();
      await listener.close();
    };
  });

  it('sees a secret changed by another process from the next turn of the event loop', async () => {
    expect((await listener.getClient('amazon-alexa'))?.secretHash).toBe('ab'.repeat(32));
    await cli.updateClient('amazon-alexa', { secretHash: 'cd'.repeat(32) }, NOW + 1);
    await nextTurn();
    expect((await listener.getClient('amazon-alexa'))?.secretHash).toBe('cd'.repeat(32));
  });

  it('sees a client removed by another process', async () => {
    expect(await listener.getClient('amazon-alexa')).not.toBeNull();
    await cli.removeClient('amazon-alexa');
    await nextTurn();
    expect(await listener.getClient('amazon-alexa')).toBeNull();
  });

  it('sees a client added by another process after a miss was cached', async () => {
    expect(await listener.getClient('second')).toBeNull();
    await cli.addClient(
      alexaClient('second', ['https://layla.amazon.com/api/skill/link/M2X'], 'ef'.repeat(32)),
      NOW,
    );
    await nextTurn();
    expect((await listener.getClient('second'))?.id).toBe('second');
  });

  it('sees its own writes at once', async () => {
    expect((await listener.getClient('amazon-alexa'))?.name).not.toBe('renamed');
    await listener.updateClient('amazon-alexa', { name: 'renamed' }, NOW + 1);
    expect((await listener.getClient('amazon-alexa'))?.name).toBe('renamed');
  });
});
