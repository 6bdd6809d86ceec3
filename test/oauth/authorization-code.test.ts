import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MUSIC_ASSISTANT_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import { OAuthError } from '../../src/oauth/errors.js';
import { introspect } from '../../src/oauth/introspect.js';
import { token } from '../../src/oauth/token.js';
import {
  ALEXA_PKCE_ID,
  basic,
  DEVICE_ID,
  type Fixture,
  linkAlexa,
  META,
  makeFixture,
  REDIRECT,
  REDIRECT_2,
  refresh,
  rejection,
  VERIFIER,
} from './fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

function exchange(body: Record<string, string>, authorization = fx.alexaAuth()) {
  return token({ authorization, body: { grant_type: 'authorization_code', ...body } }, fx.deps, META);
}

async function grantError(promise: Promise<unknown>) {
  const err = await rejection<OAuthError>(promise);
  expect(err).toBeInstanceOf(OAuthError);
  return err.code;
}

async function active(accessToken: string) {
  const res = await introspect(
    { authorization: basic(MUSIC_ASSISTANT_CLIENT_ID, fx.secrets.ma), body: { token: accessToken } },
    fx.deps,
    META,
  );
  return res.active;
}

describe('authorization code grant (RFC 6749 §4.1.3)', () => {
  it('exchanges a code for access and refresh tokens', async () => {
    const { code } = await linkAlexa(fx);
    const res = await exchange({ code, redirect_uri: REDIRECT });
    expect(res).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'music.read music.control' });
    expect(res.access_token).toMatch(/^maa_at_[A-Za-z0-9_-]{51}$/);
    expect(res.refresh_token).toMatch(/^maa_rt_[A-Za-z0-9_-]{51}$/);
    expect(await active(res.access_token)).toBe(true);
  });

  it('is single use: a replay is refused and revokes what the code issued', async () => {
    const { code } = await linkAlexa(fx);
    const first = await exchange({ code, redirect_uri: REDIRECT });
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT }))).toBe('invalid_grant');
    expect(await active(first.access_token)).toBe(false);
    expect(await grantError(refresh(fx, first.refresh_token as string))).toBe('invalid_grant');
    const [event] = await fx.store.listAudit({ kinds: ['code_replayed'] });
    expect(event?.severity).toBe('critical');
    expect(event?.grantId).toBeTruthy();
  });

  it('recognises a replay even after the code expired', async () => {
    const { code } = await linkAlexa(fx);
    const first = await exchange({ code, redirect_uri: REDIRECT });
    fx.advance(60 * 60 * 1000);
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT }))).toBe('invalid_grant');
    expect(await active(first.access_token)).toBe(false);
  });

  it('refuses an expired code (5 minutes)', async () => {
    const { code } = await linkAlexa(fx);
    fx.advance(5 * 60 * 1000);
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT }))).toBe('invalid_grant');
  });

  it('refuses an unknown code', async () => {
    expect(await grantError(exchange({ code: 'maa_ac_nope', redirect_uri: REDIRECT }))).toBe('invalid_grant');
  });

  it('binds the code to its client', async () => {
    const { code } = await linkAlexa(fx);
    const other = basic(ALEXA_PKCE_ID, fx.secrets.alexaPkce);
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT }, other))).toBe('invalid_grant');
    // …and the rightful client can still use it: a wrong client's attempt is no replay.
    expect((await exchange({ code, redirect_uri: REDIRECT })).access_token).toBeTruthy();
  });

  it('lets only clients with the grant use it', async () => {
    const { code } = await linkAlexa(fx);
    expect(
      await grantError(exchange({ code, redirect_uri: REDIRECT }, basic(DEVICE_ID, fx.secrets.device))),
    ).toBe('unauthorized_client');
  });

  it('requires the exact redirect URI of the authorization request', async () => {
    const { code } = await linkAlexa(fx);
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT_2 }))).toBe('invalid_grant');
    expect(await grantError(exchange({ code, redirect_uri: `${REDIRECT}/` }))).toBe('invalid_grant');
    // Omitted: only when the client has exactly one registered (this one has two).
    expect(await grantError(exchange({ code }))).toBe('invalid_grant');
    expect((await exchange({ code, redirect_uri: REDIRECT })).access_token).toBeTruthy();
  });

  it('refuses a code_verifier when no challenge was sent (PKCE downgrade)', async () => {
    const { code } = await linkAlexa(fx);
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT, code_verifier: VERIFIER }))).toBe(
      'invalid_grant',
    );
  });
});

describe('PKCE at the token endpoint (RFC 7636 §4.5-4.6)', () => {
  it('accepts the right S256 verifier', async () => {
    const { code } = await linkAlexa(fx, { pkce: true });
    expect(
      (await exchange({ code, redirect_uri: REDIRECT, code_verifier: VERIFIER })).access_token,
    ).toBeTruthy();
  });

  it('refuses a wrong verifier', async () => {
    const { code } = await linkAlexa(fx, { pkce: true });
    const wrong = `${VERIFIER.slice(0, -1)}A`;
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT, code_verifier: wrong }))).toBe(
      'invalid_grant',
    );
  });

  it('requires the verifier when a challenge was sent', async () => {
    const { code } = await linkAlexa(fx, { pkce: true });
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT }))).toBe('invalid_grant');
  });

  it('refuses a malformed verifier', async () => {
    const { code } = await linkAlexa(fx, { pkce: true });
    expect(await grantError(exchange({ code, redirect_uri: REDIRECT, code_verifier: 'short' }))).toBe(
      'invalid_request',
    );
  });
});

describe('token endpoint dispatch', () => {
  it('requires grant_type and refuses unknown ones before authenticating', async () => {
    expect(await grantError(token({ body: {} }, fx.deps, META))).toBe('invalid_request');
    expect(await grantError(token({ body: { grant_type: 'password' } }, fx.deps, META))).toBe(
      'unsupported_grant_type',
    );
    expect(await grantError(token({ body: { grant_type: '__proto__' } }, fx.deps, META))).toBe(
      'unsupported_grant_type',
    );
    expect(await fx.store.listAudit({ kinds: ['client_auth_failed'] })).toHaveLength(0);
  });

  it('authenticates the client before running the grant', async () => {
    const { code } = await linkAlexa(fx);
    expect(
      await grantError(exchange({ code, redirect_uri: REDIRECT }, basic('amazon-alexa', 'maa_cs_wrong'))),
    ).toBe('invalid_client');
  });
});
