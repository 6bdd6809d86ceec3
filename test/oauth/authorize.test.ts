import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { authorize } from '../../src/oauth/authorize.js';
import { AuthorizationPageError, AuthorizationRedirectError } from '../../src/oauth/authorize-errors.js';
import { CLI_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import { s256 } from '../../src/oauth/pkce.js';
import { PENDING_REQUEST_TTL_S } from '../../src/oauth/policy.js';
import {
  ALEXA_ID,
  ALEXA_PKCE_ID,
  authorizeParams,
  type Fixture,
  META,
  makeFixture,
  REDIRECT,
  REDIRECT_2,
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

async function pageError(params: Record<string, string>) {
  const err = await rejection(authorize(params, fx.deps, META));
  expect(err).toBeInstanceOf(AuthorizationPageError);
  return err as AuthorizationPageError;
}

async function redirectError(params: Record<string, string>) {
  const err = await rejection(authorize(params, fx.deps, META));
  expect(err).toBeInstanceOf(AuthorizationRedirectError);
  const e = err as AuthorizationRedirectError;
  return { error: e, location: new URL(e.location) };
}

describe('authorization request (RFC 6749 §4.1.1)', () => {
  it('parks a valid request and returns what the consent page needs', async () => {
    const view = await authorize(authorizeParams(), fx.deps, META);
    expect(view.client).toEqual({ id: ALEXA_ID, name: 'Alexa skill' });
    expect(view.scopes.map((s) => s.name)).toEqual(['music.read', 'music.control']);
    expect(view.scopes[0]?.description).toMatch(/library/);
    expect(view.requestId).toMatch(/^maa_req_/);
    expect(view.csrfToken).toMatch(/^maa_csrf_/);
    expect(view.expiresAt).toBe(fx.now() + PENDING_REQUEST_TTL_S * 1000);
    const stored = await fx.store.getPendingRequest(sha256Hex(view.requestId));
    expect(stored?.state).toBe('xyz state/with?odd&chars=1');
    expect(stored?.csrfHash).toBe(sha256Hex(view.csrfToken));
    expect(stored?.meta).toEqual(META);
  });

  it('stores nothing for a preview (HEAD), and refuses what GET refuses', async () => {
    const view = await authorize(authorizeParams(), fx.deps, META, { preview: true });
    expect(view.client).toEqual({ id: ALEXA_ID, name: 'Alexa skill' });
    expect(await fx.store.getPendingRequest(sha256Hex(view.requestId))).toBeNull();
    const err = await rejection(
      authorize(authorizeParams({ client_id: 'evil' }), fx.deps, META, { preview: true }),
    );
    expect((err as AuthorizationPageError).reason).toBe('invalid_client');
    const bad = await rejection(
      authorize(authorizeParams({ scope: 'nope' }), fx.deps, META, { preview: true }),
    );
    expect(bad).toBeInstanceOf(AuthorizationRedirectError);
  });

  it('shows a page (never redirects) for a missing or unknown client', async () => {
    expect((await pageError(authorizeParams({ client_id: undefined }))).reason).toBe('invalid_request');
    expect((await pageError(authorizeParams({ client_id: 'evil' }))).reason).toBe('invalid_client');
  });

  it('shows a page for a client that may not use the authorization endpoint', async () => {
    expect((await pageError(authorizeParams({ client_id: CLI_CLIENT_ID }))).reason).toBe(
      'unauthorized_client',
    );
  });

  it('matches the redirect URI exactly', async () => {
    for (const uri of [
      `${REDIRECT}/`,
      `${REDIRECT}?x=1`,
      REDIRECT.toUpperCase(),
      'https://evil.example/api/skill/link/M2ABCDEF',
      `${REDIRECT}#frag`,
    ]) {
      const err = await pageError(authorizeParams({ redirect_uri: uri, response_type: 'token' }));
      expect(err.reason).toBe('invalid_redirect_uri');
    }
    const ok = await authorize(authorizeParams({ redirect_uri: REDIRECT_2 }), fx.deps, META);
    expect(ok.redirectUri).toBe(REDIRECT_2);
  });

  it('uses the only registered redirect URI when none is given, and refuses when there are several', async () => {
    const view = await authorize(
      authorizeParams({
        client_id: ALEXA_PKCE_ID,
        redirect_uri: undefined,
        code_challenge: s256(VERIFIER),
        code_challenge_method: 'S256',
      }),
      fx.deps,
      META,
    );
    expect(view.redirectUri).toBe(REDIRECT);
    expect((await pageError(authorizeParams({ redirect_uri: undefined }))).reason).toBe(
      'invalid_redirect_uri',
    );
  });

  it('redirects later errors with state', async () => {
    const { error, location } = await redirectError(authorizeParams({ response_type: 'token' }));
    expect(error.error.code).toBe('unsupported_response_type');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('xyz state/with?odd&chars=1');
  });

  it('redirects invalid_request for a missing response_type', async () => {
    const { location } = await redirectError(authorizeParams({ response_type: undefined }));
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses scopes the client does not have', async () => {
    const { location } = await redirectError(authorizeParams({ scope: 'music.read admin' }));
    expect(location.searchParams.get('error')).toBe('invalid_scope');
  });

  it('defaults to the client scopes when none is asked for', async () => {
    const view = await authorize(authorizeParams({ scope: undefined }), fx.deps, META);
    expect(view.scopes.map((s) => s.name)).toEqual(['music.read', 'music.control']);
  });

  it('refuses PKCE plain, a missing method and unknown methods', async () => {
    for (const method of ['plain', undefined, 'S1']) {
      const { location } = await redirectError(
        authorizeParams({ code_challenge: s256(VERIFIER), code_challenge_method: method }),
      );
      expect(location.searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('refuses a PKCE-requiring client without a challenge', async () => {
    const { location } = await redirectError(authorizeParams({ client_id: ALEXA_PKCE_ID }));
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('keeps the redirect URI query when redirecting an error', async () => {
    const withQuery = `${REDIRECT}?vendor=a%20b`;
    const alexa = (await fx.store.getClient(ALEXA_ID))!;
    await fx.store.updateClient(ALEXA_ID, { redirectUris: [...alexa.redirectUris, withQuery] }, fx.now());
    const err = (await rejection(
      authorize(authorizeParams({ redirect_uri: withQuery, response_type: 'token' }), fx.deps, META),
    )) as AuthorizationRedirectError;
    expect(err.location.startsWith(`${withQuery}&error=unsupported_response_type`)).toBe(true);
  });
});
