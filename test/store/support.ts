/**
 * A store set up with an owner and the Alexa client, and grants to write into
 * it: for tests of how the store writes (group commit, checkpoints), where
 * what is written does not matter.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient } from '../../src/oauth/builtin-clients.js';
import { type OpenOptions, SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export const NOW = 1_790_000_000_000;

export async function initialisedStore(
  options: Omit<OpenOptions, 'file' | 'key' | 'create'> = {},
): Promise<{ file: string; store: SqliteStore }> {
  const file = join(await mkdtemp(join(tmpdir(), 'ma-auth-store-')), 'ma-auth.db');
  const store = await SqliteStore.open({ ...options, file, key: generateDataKey(), create: true });
  await store.initialise({
    owner: { id: 'owner', name: 'o' },
    clients: [
      alexaClient('amazon-alexa', ['https://pitangui.amazon.com/api/skill/link/M2X'], 'ab'.repeat(32)),
    ],
    now: NOW,
  });
  return { file, store };
}

/** Grant `g<i>` of the Alexa client with one refresh token whose hash is `i`, padded. */
export function createNumberedGrant(store: SqliteStore, i: number) {
  return store.createGrant({
    grant: {
      id: `g${i}`,
      clientId: 'amazon-alexa',
      ownerId: 'owner',
      scope: 'music.read',
      origin: 'authorization_code',
    },
    tokens: [
      {
        hash: i.toString(16).padStart(64, '0'),
        kind: 'refresh',
        scope: 'music.read',
        generation: 0,
        expiresAt: NOW + 1e9,
      },
    ],
    now: NOW,
  });
}
