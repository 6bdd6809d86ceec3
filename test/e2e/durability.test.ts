/**
 * Durability under group commit (DESIGN.md "Durable before it answers"): many
 * refresh chains at once, so the listener commits them in shared batches.
 *
 * 1. Power-loss simulation: the instant each response arrives, the database
 *    files are copied (WAL first, then the main file); the copy must already
 *    hold the refresh token that response carried. A listener that answered
 *    before its batch's COMMIT would lose the race here.
 * 2. kill -9 in the middle of the stream: after a restart, every chain's last
 *    received refresh token still works.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/crypto/random-token.js';
import { tokenHash } from '../../src/crypto/token-hash.js';
import { decodeKey } from '../../src/keys/data-key.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { closePeers, newPeer, type Peer } from './support/peer.js';

async function preIssue(install: Install, count: number): Promise<string[]> {
  const key = decodeKey(readFileSync(join(install.home, 'config', 'data.key'), 'utf8'));
  const store = await SqliteStore.open({ file: install.storeFile, key });
  const owner = (await store.owner())!;
  const now = Date.now();
  const tokens = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const refresh = randomToken('refreshToken');
      await store.createGrant({
        grant: {
          id: `bench-${i}`,
          clientId: install.alexa.clientId,
          ownerId: owner.id,
          scope: 'music.read music.control',
          origin: 'authorization_code',
        },
        tokens: [
          {
            hash: tokenHash(refresh),
            kind: 'refresh',
            scope: 'music.read music.control',
            generation: 0,
            expiresAt: now + 86_400_000,
          },
        ],
        now,
      });
      return refresh;
    }),
  );
  await store.close();
  return tokens;
}

async function refresh(
  install: Install,
  token: string,
  peer: Peer,
): Promise<{ status: number; refresh?: string }> {
  const res = await peer.fetch(`${install.baseUrl}/alexa/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${install.alexa.clientId}:${install.alexa.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
  });
  const body = (await res.json()) as { refresh_token?: string };
  return { status: res.status, refresh: body.refresh_token };
}

describe('durability of concurrent refreshes (group commit)', () => {
  let listener: Listener | undefined;
  afterEach(async () => {
    await listener?.kill().catch(() => {});
    listener = undefined;
    await closePeers();
  });

  it('every refresh token is in a copy of the database files taken the instant its response arrives (40 chains × 3)', async () => {
    const install = await createTestInstall();
    const chains = await preIssue(install, 40);
    listener = await startListener(install);
    const copies = mkdtempSync(join(tmpdir(), 'ma-auth-powercut-'));
    const taken: Array<{ dir: string; token: string }> = [];
    await Promise.all(
      chains.map(async (first, chain) => {
        // One source address per chain, as many Alexa users would be: per-address limits apply to each.
        const peer = newPeer();
        let token = first;
        for (let round = 0; round < 3; round++) {
          const res = await refresh(install, token, peer);
          // Synchronously, before anything else runs: the "power cut".
          const dir = join(copies, `${chain}-${round}`);
          mkdirSync(dir);
          try {
            copyFileSync(`${install.storeFile}-wal`, join(dir, 'ma-auth.db-wal'));
          } catch {
            // no WAL right now: everything is in the main file
          }
          copyFileSync(install.storeFile, join(dir, 'ma-auth.db'));
          expect(res.status).toBe(200);
          taken.push({ dir, token: res.refresh! });
          token = res.refresh!;
        }
      }),
    );
    let found = 0;
    for (const { dir, token } of taken) {
      const db = new DatabaseSync(join(dir, 'ma-auth.db'));
      const row = db
        .prepare('SELECT kind FROM tokens WHERE hash = ?')
        .get(Buffer.from(tokenHash(token), 'hex'));
      db.close();
      if (row) found++;
    }
    expect(found).toBe(taken.length);
    expect(taken).toHaveLength(120);
  });

  it('kill -9 in the middle of 50 concurrent chains loses no token that was handed out', async () => {
    const install = await createTestInstall();
    const chains = await preIssue(install, 50);
    listener = await startListener(install);
    const latest = [...chains];
    let stop = false;
    let rotated = 0;
    const peers = chains.map(() => newPeer());
    const running = chains.map(async (_, chain) => {
      while (!stop) {
        try {
          const res = await refresh(install, latest[chain]!, peers[chain]!);
          if (res.status === 200) {
            latest[chain] = res.refresh!;
            rotated++;
          }
        } catch {
          return; // the listener died mid-request: that response never arrived
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await listener.kill();
    stop = true;
    await Promise.all(running);
    // Enough rotations to have gone through many shared batches.
    expect(rotated).toBeGreaterThan(100);
    listener = await startListener(install);
    const fresh = chains.map(() => newPeer());
    const results = await Promise.all(latest.map((t, i) => refresh(install, t, fresh[i]!)));
    expect(results.map((r) => r.status)).toEqual(latest.map(() => 200));
  });
});
