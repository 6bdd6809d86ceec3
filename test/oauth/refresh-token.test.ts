import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { randomId, randomToken } from '../../src/crypto/random-token.js';
import { tokenHash } from '../../src/crypto/token-hash.js';
import { MUSIC_ASSISTANT_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import { OAuthError } from '../../src/oauth/errors.js';
import { introspect } from '../../src/oauth/introspect.js';
import { revoke } from '../../src/oauth/revoke.js';
import { token } from '../../src/oauth/token.js';
import {
  ALEXA_ID,
  ALEXA_PKCE_ID,
  alexaTokens,
  basic,
  DEVICE_ID,
  deviceTokens,
  type Fixture,
  META,
  makeFixture,
  PUBLIC_DEVICE_ID,
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

const DAY = 24 * 3600 * 1000;

async function refreshError(promise: Promise<unknown>) {
  const err = await rejection<OAuthError>(promise);
  expect(err).toBeInstanceOf(OAuthError);
  return err.code;
}

async function introspection(tokenText: string) {
  return introspect(
    { authorization: basic(MUSIC_ASSISTANT_CLIENT_ID, fx.secrets.ma), body: { token: tokenText } },
    fx.deps,
    META,
  );
}

function liveRefreshTokens(grantId: string) {
  return rawQuery(
    fx,
    `SELECT hash FROM tokens WHERE grant_id = ? AND kind = 'refresh' AND revoked_at IS NULL AND superseded_at IS NULL`,
    grantId,
  ).length;
}

async function grantIdOf(refreshToken: string) {
  return (await fx.store.findToken(tokenHash(refreshToken)))!.grant.id;
}

describe('refresh (DESIGN.md "Refresh", RFC 9700 §4.14)', () => {
  it('returns a new refresh token and expires_in on every refresh', async () => {
    const first = await alexaTokens(fx);
    const second = await refresh(fx, first.refresh_token!);
    expect(second.refresh_token).toMatch(/^maa_rt_/);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'music.read music.control',
    });
    expect((await introspection(second.access_token)).active).toBe(true);
  });

  it('keeps the old token working while the new one is never presented, without growing the family', async () => {
    const first = await alexaTokens(fx);
    const grantId = await grantIdOf(first.refresh_token!);
    for (let i = 0; i < 10; i++) {
      fx.advance(3600 * 1000);
      const res = await refresh(fx, first.refresh_token!);
      expect(res.refresh_token).toMatch(/^maa_rt_/);
    }
    // The head plus at most 3 issued-but-never-presented tokens.
    expect(liveRefreshTokens(grantId)).toBe(4);
    expect(await fx.store.listAudit({ kinds: ['refresh_reuse_detected'] })).toHaveLength(0);
  });

  it('accepts the newest unpresented tokens and refuses pruned ones without revoking the family', async () => {
    const first = await alexaTokens(fx);
    const issued: string[] = [];
    for (let i = 0; i < 4; i++) issued.push((await refresh(fx, first.refresh_token!)).refresh_token!);
    expect(await refreshError(refresh(fx, issued[0]!))).toBe('invalid_grant'); // pruned
    expect((await refresh(fx, issued[3]!)).refresh_token).toBeTruthy(); // family alive
  });

  it('detects reuse once the new token was used: family revoked, audited as critical', async () => {
    const t0 = await alexaTokens(fx);
    const t1 = await refresh(fx, t0.refresh_token!);
    const t2 = await refresh(fx, t1.refresh_token!); // t1 presented: t0 retired
    fx.advance(11_000);
    expect(await refreshError(refresh(fx, t0.refresh_token!))).toBe('invalid_grant');
    expect(await refreshError(refresh(fx, t2.refresh_token!))).toBe('invalid_grant');
    expect((await introspection(t2.access_token)).active).toBe(false);
    expect((await introspection(t1.access_token)).active).toBe(false);
    const [event] = await fx.store.listAudit({ kinds: ['refresh_reuse_detected'] });
    expect(event?.severity).toBe('critical');
    expect(event?.grantId).toBe(await grantIdOf(t0.refresh_token!));
    expect((await fx.store.getGrant(event!.grantId!))?.revokedReason).toBe('refresh_reuse');
  });

  it('treats a retried request within the grace window as a retry, not reuse', async () => {
    const t0 = await alexaTokens(fx);
    await refresh(fx, t0.refresh_token!); // request A
    const t1 = await refresh(fx, t0.refresh_token!); // A again (the client lost the answer)
    await refresh(fx, t1.refresh_token!); // the client used t1: t0 is retired now
    fx.advance(9_000);
    const retried = await refresh(fx, t0.refresh_token!); // a delayed duplicate of A
    expect(retried.refresh_token).toMatch(/^maa_rt_/);
    // Whichever answer the client kept works.
    expect((await refresh(fx, retried.refresh_token!)).refresh_token).toBeTruthy();
    expect(await fx.store.listAudit({ kinds: ['refresh_reuse_detected'] })).toHaveLength(0);
    // Outside the grace window the same presentation is reuse.
    fx.advance(11_000);
    expect(await refreshError(refresh(fx, t0.refresh_token!))).toBe('invalid_grant');
    expect(await fx.store.listAudit({ kinds: ['refresh_reuse_detected'] })).toHaveLength(1);
  });

  it('rotates strictly for a public client: the old token dies at once', async () => {
    const t0 = await deviceTokens(fx, PUBLIC_DEVICE_ID);
    const body = (rt: string) => ({
      client_id: PUBLIC_DEVICE_ID,
      grant_type: 'refresh_token',
      refresh_token: rt,
    });
    const t1 = await token({ body: body(t0.refresh_token!) }, fx.deps, META);
    expect(await refreshError(token({ body: body(t0.refresh_token!) }, fx.deps, META))).toBe('invalid_grant');
    expect(await refreshError(token({ body: body(t1.refresh_token!) }, fx.deps, META))).toBe('invalid_grant');
    expect(await fx.store.listAudit({ kinds: ['refresh_reuse_detected'] })).toHaveLength(1);
  });

  it('rotates strictly for a confidential device client too', async () => {
    const auth = basic(DEVICE_ID, fx.secrets.device);
    const t0 = await deviceTokens(fx, DEVICE_ID, fx.secrets.device);
    const run = (rt: string) =>
      token({ authorization: auth, body: { grant_type: 'refresh_token', refresh_token: rt } }, fx.deps, META);
    const t1 = await run(t0.refresh_token!);
    const t2 = await run(t1.refresh_token!);
    expect(await refreshError(run(t1.refresh_token!))).toBe('invalid_grant');
    expect(await refreshError(run(t2.refresh_token!))).toBe('invalid_grant');
  });

  it('expires after inactivity, not at a fixed age', async () => {
    const t0 = await alexaTokens(fx);
    fx.advance(170 * DAY);
    const t1 = await refresh(fx, t0.refresh_token!);
    fx.advance(170 * DAY); // 340 days after linking, 170 idle
    const t2 = await refresh(fx, t1.refresh_token!);
    fx.advance(180 * DAY);
    expect(await refreshError(refresh(fx, t2.refresh_token!))).toBe('invalid_grant');
  });

  it('keeps an unstoring client alive by its activity', async () => {
    const t0 = await alexaTokens(fx);
    for (let i = 0; i < 3; i++) {
      fx.advance(100 * DAY);
      await refresh(fx, t0.refresh_token!);
    }
    fx.advance(181 * DAY);
    expect(await refreshError(refresh(fx, t0.refresh_token!))).toBe('invalid_grant');
  });

  it('allows down-scoping the access token and refuses up-scoping', async () => {
    const t0 = await alexaTokens(fx);
    const narrow = await refresh(fx, t0.refresh_token!, { scope: 'music.read' });
    expect(narrow.scope).toBe('music.read');
    expect(await introspection(narrow.access_token)).toMatchObject({ active: true, scope: 'music.read' });
    // The refresh token keeps the grant's scope (RFC 6749 §6).
    const wide = await refresh(fx, narrow.refresh_token!);
    expect(wide.scope).toBe('music.read music.control');
    expect(await refreshError(refresh(fx, wide.refresh_token!, { scope: 'music.read admin' }))).toBe(
      'invalid_scope',
    );
  });

  it("refuses another client's refresh token", async () => {
    const t0 = await alexaTokens(fx);
    const err = await refreshError(
      token(
        {
          authorization: basic(ALEXA_PKCE_ID, fx.secrets.alexaPkce),
          body: { grant_type: 'refresh_token', refresh_token: t0.refresh_token! },
        },
        fx.deps,
        META,
      ),
    );
    expect(err).toBe('invalid_grant');
    expect((await refresh(fx, t0.refresh_token!)).refresh_token).toBeTruthy();
  });

  it('refuses an access token presented as a refresh token', async () => {
    const t0 = await alexaTokens(fx);
    expect(await refreshError(refresh(fx, t0.access_token))).toBe('invalid_grant');
  });

  it('refuses tokens of a revoked grant', async () => {
    const t0 = await alexaTokens(fx);
    await fx.store.revokeGrant(await grantIdOf(t0.refresh_token!), fx.now(), 'test');
    expect(await refreshError(refresh(fx, t0.refresh_token!))).toBe('invalid_grant');
  });

  it('updates the grant last-used time', async () => {
    const t0 = await alexaTokens(fx);
    fx.advance(DAY);
    await refresh(fx, t0.refresh_token!);
    expect((await fx.store.getGrant(await grantIdOf(t0.refresh_token!)))?.lastUsedAt).toBe(fx.now());
  });
});

describe('tokens issued before they carried their issue time (43 characters)', () => {
  it('still introspect, refresh and revoke: found by their full SHA-256', async () => {
    const scope = 'music.read music.control';
    const now = fx.deps.now();
    const oldAccess = randomToken('accessToken');
    const oldRefresh = randomToken('refreshToken');
    await fx.store.createGrant({
      grant: { id: randomId(), clientId: ALEXA_ID, ownerId: 'owner-1', scope, origin: 'authorization_code' },
      tokens: [
        { hash: sha256Hex(oldAccess), kind: 'access', scope, generation: 0, expiresAt: now + 3600_000 },
        { hash: sha256Hex(oldRefresh), kind: 'refresh', scope, generation: 0, expiresAt: now + 180 * DAY },
      ],
      now,
    });
    expect((await introspection(oldAccess)).active).toBe(true);

    const next = await refresh(fx, oldRefresh);
    expect(next.refresh_token).toMatch(/^maa_rt_[A-Za-z0-9_-]{51}$/);
    expect((await introspection(next.access_token)).active).toBe(true);
    expect((await refresh(fx, next.refresh_token!)).refresh_token).toMatch(/^maa_rt_/);
    // Presenting the new token retired the old one: reuse past the grace window revokes the family.
    fx.advance(11_000);
    expect(await refreshError(refresh(fx, oldRefresh))).toBe('invalid_grant');
    expect((await introspection(next.access_token)).active).toBe(false);

    const another = randomToken('accessToken');
    await fx.store.createGrant({
      grant: { id: randomId(), clientId: ALEXA_ID, ownerId: 'owner-1', scope, origin: 'authorization_code' },
      tokens: [{ hash: sha256Hex(another), kind: 'access', scope, generation: 0, expiresAt: now + 7200_000 }],
      now,
    });
    await revoke(
      { authorization: basic(ALEXA_ID, fx.secrets.alexa), body: { token: another } },
      fx.deps,
      META,
    );
    expect((await introspection(another)).active).toBe(false);
  });
});
