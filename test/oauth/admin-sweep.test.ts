import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorize } from '../../src/oauth/authorize.js';
import { CLI_CLIENT_ID, MUSIC_ASSISTANT_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import { type ClientAdminError, removeClient, rotateClientSecret } from '../../src/oauth/client-admin.js';
import { authenticateClient } from '../../src/oauth/client-auth.js';
import type { OAuthError } from '../../src/oauth/errors.js';
import { listGrants, revokeClientGrantsByOwner, revokeGrantByOwner } from '../../src/oauth/grant-admin.js';
import { sweep } from '../../src/oauth/sweep.js';
import {
  ALEXA_ID,
  alexaTokens,
  authorizeParams,
  basic,
  type Fixture,
  META,
  makeFixture,
  PUBLIC_DEVICE_ID,
  rawQuery,
  refresh,
  rejection,
  startCliPairing,
} from './fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

const DAY = 24 * 3600 * 1000;

describe('owner operations on grants', () => {
  it('lists grants with client, owner, times and expiry', async () => {
    await alexaTokens(fx);
    const [grant, ...rest] = await listGrants(fx.deps);
    expect(rest).toHaveLength(0);
    expect(await listGrants(fx.deps, { clientId: ALEXA_ID })).toHaveLength(1);
    expect(await listGrants(fx.deps, { clientId: 'music-assistant' })).toHaveLength(0);
    expect(grant).toMatchObject({
      clientId: ALEXA_ID,
      clientName: 'Alexa skill',
      ownerId: 'owner-1',
      origin: 'authorization_code',
      scope: 'music.read music.control',
      createdAt: fx.now(),
      lastUsedAt: fx.now(),
      expiresAt: fx.now() + 180 * DAY,
      revokedAt: null,
    });
  });

  it('revokes one grant, audited', async () => {
    const tokens = await alexaTokens(fx);
    const [grant] = await listGrants(fx.deps);
    expect(await revokeGrantByOwner(fx.deps, grant!.id)).toBe(true);
    expect(await revokeGrantByOwner(fx.deps, grant!.id)).toBe(false);
    expect(await listGrants(fx.deps)).toHaveLength(0);
    expect(await listGrants(fx.deps, { includeInactive: true })).toHaveLength(1);
    expect((await rejection<OAuthError>(refresh(fx, tokens.refresh_token!))).code).toBe('invalid_grant');
    const [event] = await fx.store.listAudit({ kinds: ['grant_revoked'] });
    expect(event?.detail.by).toBe('owner');
  });

  it('revokes every grant of a client', async () => {
    await alexaTokens(fx);
    await alexaTokens(fx);
    expect(await revokeClientGrantsByOwner(fx.deps, ALEXA_ID)).toBe(2);
    expect(await listGrants(fx.deps)).toHaveLength(0);
  });
});

describe('owner operations on clients', () => {
  it('rotates a client secret: the new one works, the old one not, grants survive', async () => {
    const tokens = await alexaTokens(fx);
    const secret = await rotateClientSecret(fx.deps, ALEXA_ID);
    expect(secret).toMatch(/^maa_cs_/);
    await expect(
      authenticateClient({ authorization: basic(ALEXA_ID, secret), body: {} }, fx.deps, META),
    ).resolves.toBeTruthy();
    const err = await rejection<OAuthError>(
      authenticateClient({ authorization: basic(ALEXA_ID, fx.secrets.alexa), body: {} }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_client');
    expect(
      (await refresh({ ...fx, alexaAuth: () => basic(ALEXA_ID, secret) }, tokens.refresh_token!))
        .access_token,
    ).toBeTruthy();
  });

  it('refuses to rotate the derived CLI secret or a public client', async () => {
    expect((await rejection<ClientAdminError>(rotateClientSecret(fx.deps, CLI_CLIENT_ID))).code).toBe(
      'derived_secret',
    );
    expect((await rejection<ClientAdminError>(rotateClientSecret(fx.deps, PUBLIC_DEVICE_ID))).code).toBe(
      'public_client',
    );
    expect((await rejection<ClientAdminError>(rotateClientSecret(fx.deps, 'nobody'))).code).toBe('not_found');
  });

  it('removes a client with everything issued to it, but never the CLI client', async () => {
    await alexaTokens(fx);
    await authorize(authorizeParams(), fx.deps, META);
    await removeClient(fx.deps, ALEXA_ID, { force: true });
    expect(await fx.store.getClient(ALEXA_ID)).toBeNull();
    expect(rawQuery(fx, 'SELECT count(*) AS n FROM tokens')[0]?.n).toBe(0);
    expect(rawQuery(fx, 'SELECT count(*) AS n FROM pending_requests')[0]?.n).toBe(0);
    expect(rawQuery(fx, 'SELECT count(*) AS n FROM authorization_codes')[0]?.n).toBe(0);
    expect((await rejection<ClientAdminError>(removeClient(fx.deps, CLI_CLIENT_ID))).code).toBe(
      'builtin_client',
    );
    expect((await rejection<ClientAdminError>(removeClient(fx.deps, ALEXA_ID))).code).toBe('not_found');
    expect(await fx.store.getClient(MUSIC_ASSISTANT_CLIENT_ID)).not.toBeNull();
  });
});

describe('sweep', () => {
  const count = (table: string) => rawQuery(fx, `SELECT count(*) AS n FROM ${table}`)[0]?.n;

  it('deletes expired codes, pending requests, pairings and long-expired tokens — and nothing live', async () => {
    const tokens = await alexaTokens(fx); // leaves a consumed code, an approved pairing
    await authorize(authorizeParams(), fx.deps, META); // a pending request
    await startCliPairing(fx); // a pending pairing
    expect(await sweep(fx.deps)).toMatchObject({
      tokens: 0,
      grants: 0,
      authorizationCodes: 0,
      pendingRequests: 0,
    });

    fx.advance(2 * 3600 * 1000); // past every short lifetime and the pairing retention
    const swept = await sweep(fx.deps);
    expect(swept).toMatchObject({ pendingRequests: 1, deviceAuthorizations: 2, tokens: 0 });
    expect(count('pending_requests')).toBe(0);
    expect(count('device_authorizations')).toBe(0);
    expect(count('authorization_codes')).toBe(1); // kept a day, for replay detection

    fx.advance(DAY);
    expect((await sweep(fx.deps)).authorizationCodes).toBe(1);
    expect(count('tokens')).toBe(2); // the access token is expired but retained; the refresh token is live
    fx.advance(7 * DAY);
    expect((await sweep(fx.deps)).tokens).toBe(1);
    expect((await refresh(fx, tokens.refresh_token!)).access_token).toBeTruthy();

    fx.advance(181 * DAY + 8 * DAY);
    const last = await sweep(fx.deps);
    expect(last.tokens).toBe(3);
    expect(last.grants).toBe(1);
    expect(count('grants')).toBe(0);
  });
});
