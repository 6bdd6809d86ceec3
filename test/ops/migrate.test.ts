/**
 * `ma-auth migrate` as an operation (src/ops/migrate) over a real store, on a
 * fixed clock: what each kind of legacy entry becomes, idempotence, dry run,
 * one transaction, and the refresh that must work afterwards.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { randomToken } from '../../src/crypto/random-token.js';
import { generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient, cliClient, musicAssistantClient } from '../../src/oauth/builtin-clients.js';
import type { OAuthDeps } from '../../src/oauth/context.js';
import { token } from '../../src/oauth/token.js';
import { type MigrateInput, type MigrationReport, migrateLegacy } from '../../src/ops/migrate/migrate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import {
  CLIENTS,
  CLIENTS_CUSTOM_SECRET,
  DEFAULT_SECRET,
  DUMP,
  dumpStore,
  INIT_REDIRECT,
  legacyClients,
  legacyTokens,
} from './support/legacy.js';

/** 2025-11-02 12:30 UTC: the fixture's test_user and bob access tokens are still valid, kitchen-echo's is not. */
const NOW = Date.UTC(2025, 10, 2, 12, 30, 0);
const HOUR = 3600 * 1000;
const IDLE_S = 180 * 24 * 3600;
const OWNER = 'owner-1';

let dir: string;
let file: string;
let store: SqliteStore;
let key: ReturnType<typeof generateDataKey>;
const initSecret = randomToken('clientSecret');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ma-auth-migrate-'));
  file = join(dir, 'ma-auth.db');
  key = generateDataKey();
  store = await SqliteStore.open({ file, key, create: true });
  await store.initialise({
    owner: { id: OWNER, name: 'Pat' },
    clients: [
      alexaClient('amazon-alexa', [INIT_REDIRECT], sha256Hex(initSecret)),
      cliClient(),
      musicAssistantClient(sha256Hex(randomToken('clientSecret'))),
    ],
    now: NOW - HOUR,
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function migrate(extra: Partial<MigrateInput> = {}): Promise<MigrationReport> {
  return migrateLegacy(store, {
    dumpFile: DUMP,
    clientsFile: CLIENTS,
    dryRun: false,
    now: NOW,
    accessTokenTtl: 3600,
    refreshIdleTtl: IDLE_S,
    ...extra,
  });
}

const tokens = legacyTokens();
const find = (text: string) => store.findToken(sha256Hex(text));

describe('migrate: what each legacy entry becomes', () => {
  it('imports grants for the owner, keeps live access tokens, skips and reports the rest', async () => {
    const report = await migrate();
    expect(report.changed).toBe(true);
    expect(report.tokens).toEqual({
      entries: 13,
      imported: 4,
      accessTokens: 3,
      accessTokensExpired: 1,
      accessTokensCapped: 1,
      alreadyImported: 0,
      fromTestUser: 1,
      fromOtherUsers: 3,
      scopeDefaulted: 2,
      skipped: 3,
      malformed: 6,
    });
    expect(report.authCodes).toBe(2);
    expect(report.pendingAuthCodes).toBe(1);
    expect(report.ignoredKeys).toEqual(['exported_at']);

    // test_user → the owner; refresh token by hash, generation 0, idle lifetime from now.
    const testUser = (await find(tokens.test_user!.refresh_token))!;
    expect(testUser.token).toMatchObject({ kind: 'refresh', generation: 0, expiresAt: NOW + IDLE_S * 1000 });
    expect(testUser.grant).toMatchObject({
      clientId: 'amazon-alexa',
      ownerId: OWNER,
      origin: 'migrated',
      scope: 'music.read music.control',
    });
    // Its access token keeps its (fractional-second) expiry, to the millisecond.
    const access = (await find(tokens.test_user!.access_token))!;
    expect(access.token).toMatchObject({ kind: 'access', expiresAt: 1762088400582 });
    expect(access.grant.id).toBe(testUser.grant.id);

    // Expired access token: not imported, its refresh token is.
    expect(await find(tokens['kitchen-echo']!.access_token)).toBeNull();
    expect((await find(tokens['kitchen-echo']!.refresh_token))!.grant.ownerId).toBe(OWNER);
    // A far-future expiry is cut to the configured lifetime; unknown scopes → the client's.
    expect((await find(tokens.alice!.access_token))!.token.expiresAt).toBe(NOW + HOUR);
    expect((await find(tokens.alice!.refresh_token))!.grant.scope).toBe('music.read music.control');
    // The public Amazon client was created, and bob's grant lives under it.
    expect((await find(tokens.bob!.refresh_token))!.grant.clientId).toBe('legacy-public-client');

    // Skipped: a client that is not migrated, an unknown client, a duplicate refresh token.
    for (const user of ['carol', 'dave']) expect(await find(tokens[user]!.refresh_token)).toBeNull();
    expect(await find(tokens.mallory!.access_token)).toBeNull();
    expect(report.skipped).toEqual([
      {
        key: 'tokens["carol"]',
        reason: expect.stringMatching(/^client "web-dashboard" is not migrated: not the Alexa skill/),
      },
      { key: 'tokens["dave"]', reason: 'no client "ghost-client" in ma-auth or in the legacy clients file' },
      {
        key: 'tokens["mallory"]',
        reason: 'its refresh_token is also in tokens["test_user"], which is imported instead',
      },
    ]);

    // Recorded: meta and one audit event.
    const status = await store.legacyStatus();
    expect(status.migration).toMatchObject({ firstAt: NOW, lastAt: NOW, runs: 1, grants: 4, clients: 2 });
    const events = await store.listAudit({ kinds: ['migrated'] });
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toMatchObject({ grants: 4, clients: 2, tokenEntries: 13, malformed: 7 });
    expect(JSON.stringify(events[0]!.detail)).not.toContain(tokens.test_user!.refresh_token);
  });

  it('reports every malformed entry with its key and the reason', async () => {
    const report = await migrate();
    expect(report.malformed).toEqual([
      {
        key: 'oauth_clients["broken-client"]',
        reason: 'redirect_uris: expected a list of strings, got a string',
      },
      { key: 'tokens["eve"]', reason: 'refresh_token: missing' },
      { key: 'tokens["frank"]', reason: 'expires_at: expected epoch seconds (a number), got a string' },
      { key: 'tokens["grace"]', reason: 'expected an object, got a string' },
      { key: 'tokens["heidi"]', reason: 'client_id: expected a string, got a number' },
      { key: 'tokens["ivan"]', reason: 'refresh_token: shorter than 16 characters, too weak to keep' },
      { key: 'tokens["judy"]', reason: 'expected an object, got null' },
    ]);
  });

  it('maps the clients: the Alexa skill updated, the default secret replaced, others skipped', async () => {
    const report = await migrate();
    const byId = Object.fromEntries(report.clients.map((c) => [c.id, c]));
    const alexa = byId['amazon-alexa']!;
    expect(alexa).toMatchObject({
      action: 'update',
      secret: 'replaced',
      redirectUrisAdded: [
        'https://layla.amazon.com/api/skill/link/M2ABCDEFGH',
        'https://alexa.amazon.co.jp/api/skill/link/M2ABCDEFGH',
      ],
      redirectUrisRejected: [
        { key: 'http://pitangui.amazon.com/api/skill/link/M2ABCDEFGH', reason: 'must use https' },
      ],
    });
    expect(alexa.newSecret).toMatch(/^maa_cs_[A-Za-z0-9_-]{43}$/);
    const stored = (await store.getClient('amazon-alexa'))!;
    expect(stored.secretHash).toBe(sha256Hex(alexa.newSecret!));
    expect(stored.secretHash).not.toBe(sha256Hex(DEFAULT_SECRET));
    expect(stored.secretHash).not.toBe(sha256Hex(initSecret));
    expect(stored.redirectUris).toEqual([INIT_REDIRECT, ...alexa.redirectUrisAdded]);

    expect(byId['legacy-public-client']).toMatchObject({ action: 'create', type: 'public', secret: 'none' });
    expect(await store.getClient('legacy-public-client')).toMatchObject({
      role: 'alexa',
      type: 'public',
      secretHash: null,
      requirePkce: true,
      redirectUris: ['https://layla.amazon.com/api/skill/link/M2PUBLIC01'],
    });
    expect(byId['web-dashboard']).toMatchObject({ action: 'skip' });
    expect(await store.getClient('web-dashboard')).toBeNull();
    expect(byId['music-assistant']).toMatchObject({
      action: 'skip',
      reason: "the id belongs to ma-auth's own introspection client",
    });
    expect((await store.getClient('music-assistant'))!.role).toBe('introspection');
  });

  it('adopts a legacy secret that is not the default: the Alexa console needs no change', async () => {
    const report = await migrate({ clientsFile: CLIENTS_CUSTOM_SECRET });
    expect(report.clients).toEqual([
      expect.objectContaining({ id: 'amazon-alexa', action: 'update', secret: 'legacy', newSecret: null }),
    ]);
    const legacySecret = legacyClients(CLIENTS_CUSTOM_SECRET)['amazon-alexa']!.client_secret!;
    expect((await store.getClient('amazon-alexa'))!.secretHash).toBe(sha256Hex(legacySecret));
  });

  it('without --clients, imports under the clients ma-auth has and skips the rest with a hint', async () => {
    const report = await migrate({ clientsFile: undefined });
    expect(report.tokens.imported).toBe(3);
    expect(report.skipped).toContainEqual({
      key: 'tokens["bob"]',
      reason:
        'no client "legacy-public-client" in ma-auth (pass the legacy oauth_clients.json with --clients)',
    });
    expect((await store.getClient('amazon-alexa'))!.secretHash).toBe(sha256Hex(initSecret));
  });
});

describe('migrate: the imported refresh token works, and rotates', () => {
  it("the legacy client's next refresh succeeds with no re-linking and returns a new maa_rt_ token", async () => {
    const report = await migrate();
    const secret = report.clients.find((c) => c.id === 'amazon-alexa')!.newSecret!;
    const deps: OAuthDeps = {
      store,
      key,
      now: () => NOW + 60_000,
      settings: { publicUrl: 'https://ma.example.com', accessTokenTtl: 3600, refreshIdleTtl: IDLE_S },
    };
    const meta = { address: '203.0.113.9', userAgent: 'Amazon' };
    const auth = `Basic ${Buffer.from(`amazon-alexa:${secret}`).toString('base64')}`;
    const legacyRefresh = tokens.test_user!.refresh_token;
    const first = await token(
      { authorization: auth, body: { grant_type: 'refresh_token', refresh_token: legacyRefresh } },
      deps,
      meta,
    );
    expect(first.refresh_token).toMatch(/^maa_rt_/);
    expect(first.access_token).toMatch(/^maa_at_/);
    expect(first.expires_in).toBe(3600);
    expect(first.scope).toBe('music.read music.control');
    // The new token works too; the legacy one is then retired (normal rotation rules).
    const second = await token(
      { authorization: auth, body: { grant_type: 'refresh_token', refresh_token: first.refresh_token! } },
      deps,
      meta,
    );
    expect(second.refresh_token).toMatch(/^maa_rt_/);
    expect((await find(legacyRefresh))!.token.supersededAt).not.toBeNull();
    // The published default secret is refused.
    const withDefault = `Basic ${Buffer.from(`amazon-alexa:${DEFAULT_SECRET}`).toString('base64')}`;
    await expect(
      token(
        {
          authorization: withDefault,
          body: { grant_type: 'refresh_token', refresh_token: second.refresh_token! },
        },
        deps,
        meta,
      ),
    ).rejects.toMatchObject({ code: 'invalid_client' });
  });
});

describe('migrate: idempotent, dry run, one transaction', () => {
  it('a second run changes nothing and says so; no second secret', async () => {
    await migrate();
    const before = dumpStore(file);
    const again = await migrate({ now: NOW + HOUR });
    expect(again.changed).toBe(false);
    expect(again.result).toBeNull();
    expect(again.previouslyMigratedAt).toBe(NOW);
    expect(again.tokens).toMatchObject({ imported: 0, alreadyImported: 5, accessTokens: 0 }); // mallory shares test_user's token
    for (const c of again.clients.filter((c) => ['amazon-alexa', 'legacy-public-client'].includes(c.id))) {
      expect(c).toMatchObject({ action: 'unchanged', newSecret: null });
    }
    expect(dumpStore(file)).toBe(before);
  });

  it('never brings back a migrated grant that was revoked or removed since', async () => {
    await migrate();
    const grant = (await find(tokens.test_user!.refresh_token))!.grant;
    await store.revokeGrant(grant.id, NOW + 1, 'owner');
    await store.removeClient('legacy-public-client');
    const before = dumpStore(file);
    const again = await migrate({ now: NOW + HOUR });
    expect(again.changed).toBe(false);
    expect(again.tokens.alreadyImported).toBe(5);
    expect(await store.getClient('legacy-public-client')).toBeNull();
    expect(dumpStore(file)).toBe(before);
  });

  it('a dry run reports exactly what the real run then does, and changes nothing', async () => {
    const before = dumpStore(file);
    const dry = await migrate({ dryRun: true });
    expect(dumpStore(file)).toBe(before);
    expect(dry.changed).toBe(true);
    expect(dry.result).toBeNull();
    const alexa = dry.clients.find((c) => c.id === 'amazon-alexa')!;
    expect(alexa).toMatchObject({ action: 'update', secret: 'replaced', newSecret: null });

    const real = await migrate();
    const strip = (r: MigrationReport) => ({
      ...r,
      dryRun: null,
      result: null,
      clients: r.clients.map((c) => ({ ...c, newSecret: null })),
    });
    expect(strip(dry)).toEqual(strip(real));
  });

  it('a failure in the middle of the import keeps nothing', async () => {
    const before = dumpStore(file);
    let written = 0;
    await expect(
      migrate({
        // Batches of two entries: the failure comes after two batches were written.
        batchSize: 2,
        onProgress: (phase, done) => {
          if (phase !== 'writing') return;
          written = done;
          if (done >= 4) throw new Error('disk on fire');
        },
      }),
    ).rejects.toThrow('disk on fire');
    expect(written).toBe(4);
    expect(dumpStore(file)).toBe(before);
    expect((await store.legacyStatus()).migration).toBeNull();
    // And the import then succeeds whole.
    expect((await migrate()).tokens.imported).toBe(4);
  });

  it('an empty dump (the legacy server was restarted) is still recorded, once', async () => {
    const empty = join(dir, 'empty.json');
    await writeFile(empty, JSON.stringify({ tokens: {} }));
    const first = await migrate({ dumpFile: empty, clientsFile: undefined });
    expect(first.changed).toBe(true);
    expect((await store.legacyStatus()).migration).toMatchObject({ runs: 1, grants: 0 });
    const second = await migrate({ dumpFile: empty, clientsFile: undefined });
    expect(second.changed).toBe(false);
  });

  it('refuses files that are not the expected JSON, naming the file', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"tokens": {"a": NaN}}');
    await expect(migrate({ dumpFile: bad })).rejects.toThrow(/bad\.json is not valid JSON/);
    await writeFile(bad, JSON.stringify({ test_user: { refresh_token: 'x'.repeat(20) } }));
    await expect(migrate({ dumpFile: bad })).rejects.toThrow(
      /no "tokens" map \(this looks like the tokens map itself/,
    );
    await expect(migrate({ dumpFile: join(dir, 'missing.json') })).rejects.toThrow(
      /cannot read the legacy dump/,
    );
    await writeFile(bad, '[]');
    await expect(migrate({ clientsFile: bad })).rejects.toThrow(/expected a JSON object keyed by client id/);
  });
});
