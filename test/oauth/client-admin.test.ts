/** Owner operations on clients added for `ma-auth clients`: add, remove rules, redirect URIs. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_CLIENT_ID, GRANT_TYPES, MUSIC_ASSISTANT_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import {
  addDeviceClient,
  type ClientAdminError,
  checkClientName,
  editRedirectUris,
  removeClient,
} from '../../src/oauth/client-admin.js';
import type { OAuthError } from '../../src/oauth/errors.js';
import { listGrants } from '../../src/oauth/grant-admin.js';
import { token } from '../../src/oauth/token.js';
import {
  ALEXA_ID,
  alexaTokens,
  DEVICE_ID,
  deviceTokens,
  type Fixture,
  META,
  makeFixture,
  REDIRECT,
  REDIRECT_2,
  rawQuery,
  refresh,
  rejection,
} from './fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

const code = async (promise: Promise<unknown>) => (await rejection<ClientAdminError>(promise)).code;

describe('addDeviceClient', () => {
  it('registers a confidential device client: secret returned once, stored only as a hash; it can pair', async () => {
    const { client, secret } = await addDeviceClient(fx.deps, {
      id: 'garage-speaker',
      name: ' Garage speaker ',
      type: 'confidential',
    });
    expect(secret).toMatch(/^maa_cs_[A-Za-z0-9_-]{43}$/);
    expect(client).toMatchObject({
      id: 'garage-speaker',
      name: 'Garage speaker',
      role: 'device',
      type: 'confidential',
      redirectUris: [],
      grantTypes: [GRANT_TYPES.deviceCode, GRANT_TYPES.refreshToken],
      scopes: ['music.read', 'music.control'],
    });
    const dump = JSON.stringify(rawQuery(fx, 'SELECT * FROM clients'));
    expect(dump).not.toContain(secret!);
    expect((await deviceTokens(fx, 'garage-speaker', secret!)).refresh_token).toMatch(/^maa_rt_/);
    expect((await fx.store.listAudit({ kinds: ['client_added'] }))[0]?.clientId).toBe('garage-speaker');
  });

  it('registers a public device client without a secret', async () => {
    const { client, secret } = await addDeviceClient(fx.deps, { id: 'pub', name: 'Pub', type: 'public' });
    expect(secret).toBeNull();
    expect(client.secretHash).toBeNull();
    expect((await deviceTokens(fx, 'pub')).access_token).toMatch(/^maa_at_/);
  });

  it('refuses a taken id, a malformed id and a name with control characters; nothing added', async () => {
    const before = (await fx.store.listClients()).length;
    expect(await code(addDeviceClient(fx.deps, { id: DEVICE_ID, name: 'x', type: 'public' }))).toBe('exists');
    expect(await code(addDeviceClient(fx.deps, { id: 'has space', name: 'x', type: 'public' }))).toBe(
      'invalid',
    );
    expect(await code(addDeviceClient(fx.deps, { id: '', name: 'x', type: 'public' }))).toBe('invalid');
    expect(await code(addDeviceClient(fx.deps, { id: 'ok', name: 'a\x1b[31mb', type: 'public' }))).toBe(
      'invalid',
    );
    expect(checkClientName('x'.repeat(101))).toMatch(/1-100/);
    expect((await fx.store.listClients()).length).toBe(before);
  });
});

describe('removeClient rules', () => {
  it('refuses the CLI and Music Assistant clients, and the Alexa client without force', async () => {
    expect(await code(removeClient(fx.deps, CLI_CLIENT_ID, { force: true }))).toBe('builtin_client');
    expect(await code(removeClient(fx.deps, MUSIC_ASSISTANT_CLIENT_ID, { force: true }))).toBe(
      'builtin_client',
    );
    expect(await code(removeClient(fx.deps, ALEXA_ID))).toBe('needs_force');
    expect(await fx.store.getClient(ALEXA_ID)).not.toBeNull();
    expect(await code(removeClient(fx.deps, 'nobody'))).toBe('not_found');
  });

  it('revokes the live grants first (audited, counted), then removes the client', async () => {
    const tokens = await deviceTokens(fx, DEVICE_ID, fx.secrets.device);
    await deviceTokens(fx, DEVICE_ID, fx.secrets.device);
    const result = await removeClient(fx.deps, DEVICE_ID);
    expect(result.revokedGrants).toBe(2);
    expect(await listGrants(fx.deps, { includeInactive: true, clientId: DEVICE_ID })).toHaveLength(0);
    const revoked = await fx.store.listAudit({ kinds: ['grant_revoked'] });
    expect(revoked[0]?.detail).toMatchObject({ by: 'owner', count: 2 });
    const removed = await fx.store.listAudit({ kinds: ['client_removed'] });
    expect(removed[0]?.detail).toMatchObject({ revokedGrants: 2 });
    const body = {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: DEVICE_ID,
      client_secret: fx.secrets.device,
    };
    expect((await rejection<OAuthError>(token({ body }, fx.deps, META))).code).toBe('invalid_client');
  });

  it('with force removes the Alexa client, and its tokens stop working', async () => {
    const tokens = await alexaTokens(fx);
    expect((await removeClient(fx.deps, ALEXA_ID, { force: true })).revokedGrants).toBe(1);
    expect(rawQuery(fx, 'SELECT count(*) AS n FROM grants')[0]?.n).toBe(0);
    expect((await rejection<OAuthError>(refresh(fx, tokens.refresh_token!))).code).toBe('invalid_client');
  });
});

describe('editRedirectUris', () => {
  const NEW = 'https://alexa.amazon.co.jp/api/skill/link/M2ABCDEF';

  it('adds and removes exactly as typed, audited; the stored list is what /alexa/authorize matches', async () => {
    const added = await editRedirectUris(fx.deps, ALEXA_ID, { add: [NEW] });
    expect(added).toEqual({ before: [REDIRECT, REDIRECT_2], after: [REDIRECT, REDIRECT_2, NEW] });
    const removed = await editRedirectUris(fx.deps, ALEXA_ID, { remove: [REDIRECT] });
    expect(removed.after).toEqual([REDIRECT_2, NEW]);
    expect((await fx.store.getClient(ALEXA_ID))?.redirectUris).toEqual([REDIRECT_2, NEW]);
    const events = await fx.store.listAudit({ kinds: ['client_redirect_uris_changed'] });
    // Newest first.
    expect(events.map((e) => e.detail)).toEqual([
      { added: [], removed: [REDIRECT] },
      { added: [NEW], removed: [] },
    ]);
  });

  it('adding a registered URI changes nothing and is not audited', async () => {
    expect((await editRedirectUris(fx.deps, ALEXA_ID, { add: [REDIRECT] })).after).toEqual([
      REDIRECT,
      REDIRECT_2,
    ]);
    expect(await fx.store.listAudit({ kinds: ['client_redirect_uris_changed'] })).toHaveLength(0);
  });

  it.each([
    ['http', { add: ['http://pitangui.amazon.com/api/skill/link/M2ABCDEF'] }, 'invalid'],
    ['a fragment', { add: [`${NEW}#x`] }, 'invalid'],
    ['not a URL', { add: ['pitangui.amazon.com'] }, 'invalid'],
    ['removing a near match', { remove: [`${REDIRECT}/`] }, 'not_registered'],
    ['removing every URI', { remove: [REDIRECT, REDIRECT_2] }, 'last_redirect_uri'],
  ])('refuses %s; nothing changes', async (_name, change, expected) => {
    expect(await code(editRedirectUris(fx.deps, ALEXA_ID, change))).toBe(expected);
    expect((await fx.store.getClient(ALEXA_ID))?.redirectUris).toEqual([REDIRECT, REDIRECT_2]);
  });

  it('refuses clients without redirect URIs and unknown clients', async () => {
    expect(await code(editRedirectUris(fx.deps, DEVICE_ID, { add: [NEW] }))).toBe('no_redirect_uris');
    expect(await code(editRedirectUris(fx.deps, 'nobody', {}))).toBe('not_found');
  });
});
