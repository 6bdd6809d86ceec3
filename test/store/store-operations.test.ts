import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { type DataKey, generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient, cliClient } from '../../src/oauth/builtin-clients.js';
import { StoreError } from '../../src/store/errors.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewDeviceAuthorization, NewToken, RotateRefreshInput } from '../../src/store/types.js';

const T0 = Date.UTC(2025, 0, 1);
const DAY = 24 * 3600 * 1000;
let dir: string;
let file: string;
let key: DataKey;
let store: SqliteStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ma-auth-store-'));
  file = join(dir, 'store.db');
  key = generateDataKey();
  store = await SqliteStore.open({ file, key, create: true });
  await store.initialise({
    owner: { id: 'owner-1', name: 'Pat' },
    clients: [
      alexaClient('alexa', ['https://pitangui.amazon.com/api/skill/link/X'], sha256Hex('s')),
      cliClient(),
    ],
    now: T0,
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Token hashes are SHA-256 hex, as the store keys them; tests name them by label. */
const h = (label: string) => sha256Hex(label);

const refreshToken = (label: string, expiresAt = T0 + 180 * DAY): NewToken => ({
  hash: h(label),
  kind: 'refresh',
  scope: 'music.read',
  generation: 0,
  expiresAt,
});

async function grantWithRefresh(id = 'g1') {
  return store.createGrant({
    grant: { id, clientId: 'alexa', ownerId: 'owner-1', scope: 'music.read', origin: 'authorization_code' },
    tokens: [refreshToken(`rt-${id}`), { ...refreshToken(`at-${id}`, T0 + 3600_000), kind: 'access' }],
    now: T0,
  });
}

function rotation(presentedHash: string, n: number, now: number, over: Partial<RotateRefreshInput> = {}) {
  return store.rotateRefreshToken({
    presentedHash: h(presentedHash),
    clientId: 'alexa',
    now,
    refreshHash: h(`rt-${n}`),
    accessHash: h(`at-${n}`),
    accessScope: 'music.read',
    accessExpiresAt: now + 3600_000,
    refreshIdleMs: 180 * DAY,
    graceMs: 10_000,
    strict: false,
    maxUnconfirmed: 3,
    ...over,
  });
}

describe('SqliteStore', () => {
  it('creates the latest schema', async () => {
    expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
  });

  it('keeps what it committed across close and reopen', async () => {
    await grantWithRefresh();
    await rotation('rt-g1', 1, T0 + 1000);
    await store.close();
    store = await SqliteStore.open({ file, key });
    expect((await store.findToken(h('rt-1')))?.token).toMatchObject({ kind: 'refresh', generation: 1 });
    expect((await store.findToken(h('rt-g1')))?.token.usedAt).toBe(T0 + 1000);
  });

  it('refuses to write sealed fields without the key', async () => {
    await store.close();
    store = await SqliteStore.open({ file });
    const write = await store
      .createPendingRequest({
        idHash: 'x',
        clientId: 'alexa',
        redirectUri: 'https://pitangui.amazon.com/api/skill/link/X',
        scope: 'music.read',
        state: 's',
        codeChallenge: null,
        codeChallengeMethod: null,
        csrfHash: 'c',
        createdAt: T0,
        expiresAt: T0 + 1000,
        meta: { address: null, userAgent: null },
      })
      .catch((e: unknown) => e);
    expect(write).toBeInstanceOf(StoreError);
    expect((write as StoreError).code).toBe('key_required');
  });
});

describe('refresh rotation state machine', () => {
  it('confirms a child on first use, retiring its parent', async () => {
    await grantWithRefresh();
    const first = await rotation('rt-g1', 1, T0 + 1);
    expect(first).toMatchObject({ outcome: 'rotated', generation: 1, via: 'confirmed' });
    expect(await rotation('rt-g1', 2, T0 + 2)).toMatchObject({
      outcome: 'rotated',
      generation: 1,
      via: 'repeat',
    });
    expect(await rotation('rt-2', 3, T0 + 3)).toMatchObject({
      outcome: 'rotated',
      generation: 2,
      via: 'confirmed',
    });
    // rt-1 was a sibling of rt-2 and rt-g1 its parent: both retired now.
    expect((await store.findToken(h('rt-1')))?.token.supersededAt).toBe(T0 + 3);
    expect((await store.findToken(h('rt-g1')))?.token.supersededAt).toBe(T0 + 3);
    expect(await rotation('rt-g1', 4, T0 + 5)).toMatchObject({ outcome: 'rotated', via: 'grace' });
    expect(await rotation('rt-1', 5, T0 + 20_000)).toMatchObject({ outcome: 'reuse', grantId: 'g1' });
  });

  it('leaves revocation on reuse to the caller', async () => {
    await grantWithRefresh();
    await rotation('rt-g1', 1, T0 + 1);
    await rotation('rt-1', 2, T0 + 2);
    expect((await rotation('rt-g1', 3, T0 + 60_000)).outcome).toBe('reuse');
    expect((await store.getGrant('g1'))?.revokedAt).toBeNull();
  });

  it('under strict rotation retires the presented token at once and gives no grace', async () => {
    await grantWithRefresh();
    await rotation('rt-g1', 1, T0 + 1, { strict: true });
    expect((await rotation('rt-g1', 2, T0 + 2, { strict: true })).outcome).toBe('reuse');
  });

  it('keeps at most maxUnconfirmed unpresented tokens', async () => {
    await grantWithRefresh();
    for (let n = 1; n <= 5; n++) await rotation('rt-g1', n, T0 + n);
    for (const n of [1, 2]) expect((await store.findToken(h(`rt-${n}`)))?.token.revokedAt).not.toBeNull();
    for (const n of [3, 4, 5]) expect((await store.findToken(h(`rt-${n}`)))?.token.revokedAt).toBeNull();
    expect((await rotation('rt-1', 9, T0 + 10)).outcome).toBe('revoked');
  });

  it('refuses another client, expired and revoked tokens', async () => {
    await grantWithRefresh();
    expect(
      (await store.rotateRefreshToken({ ...(await inputFor('rt-g1')), clientId: 'ma-auth-cli' })).outcome,
    ).toBe('not_found');
    expect((await rotation('rt-g1', 1, T0 + 180 * DAY)).outcome).toBe('expired');
    await store.revokeGrant('g1', T0, 'test');
    expect((await rotation('rt-g1', 2, T0 + 1)).outcome).toBe('revoked');
    expect((await rotation('at-g1', 3, T0 + 1)).outcome).toBe('not_found'); // an access token
  });

  it("records a grant's last use to the minute, and the access token takes the grant's scope when none is asked", async () => {
    await grantWithRefresh();
    const first = await rotation('rt-g1', 1, T0 + 1000, { accessScope: null });
    expect(first).toMatchObject({ outcome: 'rotated', grant: { lastUsedAt: T0 } }); // created at T0: within the minute
    expect((await store.findToken(h('at-1')))?.token.scope).toBe((await store.getGrant('g1'))?.scope);
    await rotation('rt-1', 2, T0 + 59_000);
    expect((await store.getGrant('g1'))?.lastUsedAt).toBe(T0);
    const later = await rotation('rt-2', 3, T0 + 61_000);
    expect(later).toMatchObject({ outcome: 'rotated', grant: { lastUsedAt: T0 + 61_000 } });
    expect((await store.getGrant('g1'))?.lastUsedAt).toBe(T0 + 61_000);
  });

  async function inputFor(presentedHash: string): Promise<RotateRefreshInput> {
    return {
      presentedHash: h(presentedHash),
      clientId: 'alexa',
      now: T0 + 1,
      refreshHash: h('rt-x'),
      accessHash: h('at-x'),
      accessScope: 'music.read',
      accessExpiresAt: T0 + 3600_000,
      refreshIdleMs: 180 * DAY,
      graceMs: 10_000,
      strict: false,
      maxUnconfirmed: 3,
    };
  }
});

describe('device authorizations', () => {
  const device = (over: Partial<NewDeviceAuthorization> = {}): NewDeviceAuthorization => ({
    id: 'd1',
    deviceCodeHash: 'dc1',
    userCodeHash: 'uc1',
    clientId: 'ma-auth-cli',
    scope: 'music.read',
    createdAt: T0,
    expiresAt: T0 + 600_000,
    intervalS: 5,
    meta: { address: '192.0.2.1', userAgent: 'ua' },
    ...over,
  });

  it('reports a user-code collision as a conflict', async () => {
    await store.createDeviceAuthorization(device());
    const err = await store
      .createDeviceAuthorization(device({ id: 'd2', deviceCodeHash: 'dc2' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('conflict');
  });

  it('persists slow_down intervals', async () => {
    await store.createDeviceAuthorization(device());
    const poll = (now: number) =>
      store.pollDeviceAuthorization({
        deviceCodeHash: 'dc1',
        clientId: 'ma-auth-cli',
        now,
        slowDownStepS: 5,
        toleranceMs: 0,
      });
    expect(await poll(T0)).toEqual({ outcome: 'pending' });
    expect(await poll(T0 + 4_999)).toEqual({ outcome: 'slow_down', intervalS: 10 });
    expect(await poll(T0 + 14_999)).toEqual({ outcome: 'pending' });
    await store.close();
    store = await SqliteStore.open({ file, key });
    expect(await poll(T0 + 20_000)).toEqual({ outcome: 'slow_down', intervalS: 15 });
  });

  it('lets exactly one consumer turn an approval into a grant', async () => {
    await store.createDeviceAuthorization(device());
    await store.decideDeviceAuthorization({ id: 'd1', approve: true, ownerId: 'owner-1', now: T0 + 1 });
    const consume = (id: string) =>
      store.consumeDeviceAuthorization({
        id: 'd1',
        now: T0 + 2,
        grant: {
          id,
          clientId: 'ma-auth-cli',
          ownerId: 'owner-1',
          scope: 'link:status',
          origin: 'link_status',
        },
        tokens: [],
      });
    expect(await consume('g-a')).not.toBeNull();
    expect(await consume('g-b')).toBeNull();
    expect(await store.getGrant('g-b')).toBeNull();
  });
});

describe('pairing approval and code redemption', () => {
  const REDIRECT = 'https://pitangui.amazon.com/api/skill/link/X';

  async function pendingWithPairing() {
    await store.createDeviceAuthorization({
      id: 'd1',
      deviceCodeHash: 'dc1',
      userCodeHash: 'right',
      clientId: 'ma-auth-cli',
      scope: 'music.read',
      createdAt: T0,
      expiresAt: T0 + 600_000,
      intervalS: 5,
      meta: { address: null, userAgent: null },
    });
    await store.createPendingRequest({
      idHash: 'req',
      clientId: 'alexa',
      redirectUri: REDIRECT,
      scope: 'music.read',
      state: 'st',
      codeChallenge: null,
      codeChallengeMethod: null,
      csrfHash: 'c',
      createdAt: T0,
      expiresAt: T0 + 600_000,
      meta: { address: '192.0.2.9', userAgent: null },
    });
  }

  const approve = (userCodeHash: string, now = T0 + 1) =>
    store.approvePendingRequest({
      requestIdHash: 'req',
      userCodeHash,
      now,
      ownerId: 'owner-1',
      pairingClientId: 'ma-auth-cli',
      maxFailedAttempts: 2,
      code: { hash: 'code-1', expiresAt: now + 300_000 },
    });

  it('counts wrong codes and refuses a locked request even with the right code', async () => {
    await pendingWithPairing();
    expect(await approve('wrong')).toEqual({ outcome: 'wrong_code', failedAttempts: 1 });
    expect(await approve('wrong')).toEqual({ outcome: 'wrong_code', failedAttempts: 2 });
    expect(await approve('right')).toEqual({ outcome: 'locked', failedAttempts: 2 });
    expect(await store.getAuthorizationCode('code-1')).toBeNull();
  });

  it('refuses an expired request', async () => {
    await pendingWithPairing();
    expect((await approve('right', T0 + 600_000)).outcome).toBe('expired');
  });

  it('links once, issuing a code bound to the request', async () => {
    await pendingWithPairing();
    const result = await approve('right');
    expect(result.outcome).toBe('linked');
    expect(await store.getPendingRequest('req')).toBeNull();
    expect(await store.getAuthorizationCode('code-1')).toMatchObject({
      clientId: 'alexa',
      redirectUri: REDIRECT,
      scope: 'music.read',
      ownerId: 'owner-1',
      expiresAt: T0 + 1 + 300_000,
    });
    expect((await approve('right')).outcome).toBe('not_found');
  });

  it('redeems a code once, refuses it expired or for another client, and names the grant on replay', async () => {
    await pendingWithPairing();
    await approve('right');
    const redeem = (grantId: string, now: number, clientId = 'alexa') =>
      store.redeemAuthorizationCode({
        codeHash: 'code-1',
        clientId,
        now,
        grant: {
          id: grantId,
          clientId,
          ownerId: 'owner-1',
          scope: 'music.read',
          origin: 'authorization_code',
        },
        tokens: [],
      });
    expect((await redeem('g-x', T0 + 2, 'ma-auth-cli')).outcome).toBe('not_found');
    expect((await redeem('g-late', T0 + 1 + 300_000)).outcome).toBe('expired');
    expect((await redeem('g-1', T0 + 2)).outcome).toBe('issued');
    expect(await redeem('g-2', T0 + 3)).toEqual({ outcome: 'replayed', grantId: 'g-1' });
    expect(await store.getGrant('g-2')).toBeNull();
  });
});

describe('failed-attempt counters', () => {
  it('count within a fixed window and start again after it', async () => {
    const record = (now: number) => store.recordFailedAttempt({ key: 'k', now, windowMs: 1000 });
    expect(await record(T0)).toBe(1);
    expect(await record(T0 + 999)).toBe(2);
    expect(await store.failedAttempts('k', T0 + 999)).toBe(2);
    expect(await store.failedAttempts('k', T0 + 1000)).toBe(0);
    expect(await record(T0 + 1000)).toBe(1);
    expect(await store.failedAttempts('other', T0)).toBe(0);
  });
});

describe('clients', () => {
  it('updates only what the patch names', async () => {
    expect(await store.updateClient('alexa', { requirePkce: true }, T0 + 5)).toBe(true);
    const client = await store.getClient('alexa');
    expect(client).toMatchObject({
      requirePkce: true,
      secretHash: sha256Hex('s'),
      name: 'Alexa skill',
      updatedAt: T0 + 5,
    });
    expect(await store.updateClient('nobody', { name: 'x' }, T0)).toBe(false);
  });
});

describe('schema', () => {
  it('holds only hashes and sealed values in secret-bearing columns', async () => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const columns = (table: string) =>
        (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      expect(columns('tokens')).not.toContain('token');
      expect(columns('pending_requests')).toContain('id_hash');
      expect(columns('pending_requests')).not.toContain('state');
      expect(columns('device_authorizations')).toEqual(
        expect.arrayContaining(['device_code_hash', 'user_code_hash']),
      );
    } finally {
      db.close();
    }
  });
});
