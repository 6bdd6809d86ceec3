/**
 * For the `clients` and `tokens` tests: the install's store opened with its
 * real key, grants made the way the listener makes them (a real device flow
 * through the listener and `ma-auth approve`, or an Alexa grant inserted with
 * tokens whose text the test knows), and plain HTTP calls to the listener.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { randomId, randomToken } from '../../src/crypto/random-token.js';
import { type DataKey, decodeKey } from '../../src/keys/data-key.js';
import { GRANT_TYPES } from '../../src/oauth/builtin-clients.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../support/cli.js';
import type { Install } from '../support/install.js';

export const DAY = 24 * 3600 * 1000;

export async function dataKey(install: Install): Promise<DataKey> {
  return decodeKey(await readFile(join(install.home, 'config', 'data.key'), 'utf8'));
}

export async function withStore<T>(install: Install, fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = await SqliteStore.open({ file: install.storeFile, key: await dataKey(install) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function sql<T = Record<string, unknown>>(
  install: Install,
  query: string,
  ...args: (string | number)[]
) {
  const db = new DatabaseSync(install.storeFile, { timeout: 10_000 });
  try {
    return db.prepare(query).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** Every row of every table (audit events by id and kind): equal dumps mean nothing changed. */
export function dumpStore(install: Install): Record<string, unknown[]> {
  const tables = sql<{ name: string }>(
    install,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  ).map((r) => r.name);
  const dump: Record<string, unknown[]> = {};
  for (const t of tables) {
    dump[t] = sql(install, t === 'audit_events' ? `SELECT id, kind FROM "${t}"` : `SELECT * FROM "${t}"`);
  }
  return dump;
}

/** The store's bytes as they sit on disk (main file, WAL and shared memory), for "no secret at rest". */
export async function storeBytes(install: Install): Promise<string> {
  const dir = join(install.home, 'data');
  const names = (await readdir(dir)).filter((n) => n.startsWith('ma-auth.db'));
  const parts = await Promise.all(names.map((n) => readFile(join(dir, n))));
  return Buffer.concat(parts).toString('latin1');
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function post(
  install: Install,
  path: string,
  form: Record<string, string>,
  authorization?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${install.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A refresh grant at the listener's /alexa/token. */
export function refreshAt(
  install: Install,
  refreshToken: string,
  auth: Record<string, string>,
  header?: string,
) {
  return post(
    install,
    '/alexa/token',
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...auth },
    header,
  );
}

/**
 * A device client's whole RFC 8628 flow against the running listener: device
 * authorization, `ma-auth approve CODE --yes` (a child process), one poll.
 */
export async function deviceFlow(install: Install, clientId: string, secret: string | null) {
  const auth: Record<string, string> = secret
    ? { client_id: clientId, client_secret: secret }
    : { client_id: clientId };
  const started = await post(install, '/oauth/device_authorization', { ...auth, scope: 'music.read' });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const approve = await runCli(['approve', started.body.user_code as string, '--yes'], install.env);
  expect(approve.code, approve.stderr).toBe(0);
  const tokens = await post(install, '/alexa/token', {
    ...auth,
    grant_type: GRANT_TYPES.deviceCode,
    device_code: started.body.device_code as string,
  });
  expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  return tokens.body as { access_token: string; refresh_token: string };
}

/**
 * An Alexa grant as a code exchange leaves it, with tokens whose text the test
 * knows (the store only ever sees their hashes). `ageMs` moves it into the past.
 */
export async function insertAlexaGrant(install: Install, ageMs = 0) {
  const refreshToken = randomToken('refreshToken');
  const accessToken = randomToken('accessToken');
  const now = Date.now() - ageMs;
  const grantId = await withStore(install, async (store) => {
    const owner = await store.owner();
    const scope = 'music.read music.control';
    const grant = await store.createGrant({
      grant: {
        id: randomId(),
        clientId: install.alexa.clientId,
        ownerId: owner!.id,
        scope,
        origin: 'authorization_code',
      },
      tokens: [
        { hash: sha256Hex(refreshToken), kind: 'refresh', scope, generation: 0, expiresAt: now + 180 * DAY },
        { hash: sha256Hex(accessToken), kind: 'access', scope, generation: 0, expiresAt: now + 3600_000 },
      ],
      now,
    });
    return grant.id;
  });
  return { grantId, refreshToken, accessToken };
}

export const alexaAuth = (install: Install, secret = install.alexa.clientSecret) =>
  basic(install.alexa.clientId, secret);

/** How often `needle` occurs in `haystack`. */
export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}
