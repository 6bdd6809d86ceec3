import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MUSIC_ASSISTANT_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import type { OAuthError } from '../../src/oauth/errors.js';
import { introspect } from '../../src/oauth/introspect.js';
import { revoke } from '../../src/oauth/revoke.js';
import {
  ALEXA_ID,
  ALEXA_PKCE_ID,
  alexaTokens,
  basic,
  DEVICE_ID,
  type Fixture,
  META,
  makeFixture,
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

const asMusicAssistant = (tokenText: string, extra: Record<string, string> = {}) =>
  introspect(
    { authorization: basic(MUSIC_ASSISTANT_CLIENT_ID, fx.secrets.ma), body: { token: tokenText, ...extra } },
    fx.deps,
    META,
  );

const asAlexa = (tokenText: string) =>
  revoke({ authorization: fx.alexaAuth(), body: { token: tokenText } }, fx.deps, META);

describe('introspection (RFC 7662)', () => {
  it('describes an active access token', async () => {
    const tokens = await alexaTokens(fx);
    const res = await asMusicAssistant(tokens.access_token, { token_type_hint: 'access_token' });
    expect(res).toEqual({
      active: true,
      scope: 'music.read music.control',
      client_id: ALEXA_ID,
      token_type: 'Bearer',
      exp: Math.floor(fx.now() / 1000) + 3600,
      iat: Math.floor(fx.now() / 1000),
      sub: 'owner-1',
    });
  });

  it('answers only {active: false} for unknown, expired and revoked tokens', async () => {
    expect(await asMusicAssistant('maa_at_unknown')).toEqual({ active: false });
    const tokens = await alexaTokens(fx);
    fx.advance(3600 * 1000);
    expect(await asMusicAssistant(tokens.access_token)).toEqual({ active: false });
    const fresh = await refresh(fx, tokens.refresh_token!);
    await asAlexa(fresh.access_token);
    expect(await asMusicAssistant(fresh.access_token)).toEqual({ active: false });
  });

  it('reports refresh tokens, inactive once retired', async () => {
    const t0 = await alexaTokens(fx);
    expect(await asMusicAssistant(t0.refresh_token!)).toMatchObject({
      active: true,
      token_type: 'refresh_token',
    });
    const t1 = await refresh(fx, t0.refresh_token!);
    expect((await asMusicAssistant(t0.refresh_token!)).active).toBe(true); // t1 not yet presented
    await refresh(fx, t1.refresh_token!);
    expect(await asMusicAssistant(t0.refresh_token!)).toEqual({ active: false });
  });

  it('is only for the introspection client', async () => {
    const tokens = await alexaTokens(fx);
    for (const authorization of [fx.alexaAuth(), basic(DEVICE_ID, fx.secrets.device)]) {
      const err = await rejection<OAuthError>(
        introspect({ authorization, body: { token: tokens.access_token } }, fx.deps, META),
      );
      expect(err.code).toBe('unauthorized_client');
    }
    const err = await rejection<OAuthError>(
      introspect({ body: { token: tokens.access_token } }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_client');
  });

  it('requires the token parameter', async () => {
    const err = await rejection<OAuthError>(
      introspect({ authorization: basic(MUSIC_ASSISTANT_CLIENT_ID, fx.secrets.ma), body: {} }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_request');
  });
});

describe('revocation (RFC 7009)', () => {
  it('revokes an access token alone', async () => {
    const tokens = await alexaTokens(fx);
    await asAlexa(tokens.access_token);
    expect((await asMusicAssistant(tokens.access_token)).active).toBe(false);
    expect((await refresh(fx, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('revokes the whole family with a refresh token', async () => {
    const t0 = await alexaTokens(fx);
    const t1 = await refresh(fx, t0.refresh_token!);
    await asAlexa(t0.refresh_token!);
    expect((await asMusicAssistant(t1.access_token)).active).toBe(false);
    expect((await asMusicAssistant(t1.refresh_token!)).active).toBe(false);
    const [event] = await fx.store.listAudit({ kinds: ['grant_revoked'] });
    expect(event?.detail.by).toBe('client');
  });

  it('succeeds for unknown tokens', async () => {
    await expect(asAlexa('maa_rt_unknown')).resolves.toBeUndefined();
  });

  it("succeeds without effect for another client's token", async () => {
    const tokens = await alexaTokens(fx);
    await revoke(
      { authorization: basic(ALEXA_PKCE_ID, fx.secrets.alexaPkce), body: { token: tokens.refresh_token! } },
      fx.deps,
      META,
    );
    expect((await asMusicAssistant(tokens.access_token)).active).toBe(true);
  });

  it('requires client authentication and the token parameter', async () => {
    const tokens = await alexaTokens(fx);
    const unauth = await rejection<OAuthError>(
      revoke({ body: { client_id: ALEXA_ID, token: tokens.access_token } }, fx.deps, META),
    );
    expect(unauth.code).toBe('invalid_client');
    const missing = await rejection<OAuthError>(
      revoke({ authorization: fx.alexaAuth(), body: {} }, fx.deps, META),
    );
    expect(missing.code).toBe('invalid_request');
    expect((await asMusicAssistant(tokens.access_token)).active).toBe(true);
  });
});
