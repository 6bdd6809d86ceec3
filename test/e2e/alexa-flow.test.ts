/**
 * The whole Alexa account-linking flow against a real install and a real
 * listener process, driven by a third-party OAuth client (oauth4webapi) over
 * HTTP on loopback: discovery, the consent page, the pairing code from
 * `ma-auth link`, the redirect back to Alexa, the code exchange with either
 * client authentication, with and without PKCE, refresh, introspection by
 * Music Assistant and RFC 7009 revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { startLink } from '../support/link-child.js';
import { expectCleanLogs } from './support/expect.js';
import {
  AlexaClient,
  discover,
  expectTokenResponse,
  type Linked,
  linkAlexa,
  musicAssistant,
  OAuthClient,
  oauth,
  oauthError,
  SCOPE,
  startPairing,
} from './support/oauth-peers.js';
import { closePeers, send } from './support/peer.js';
import { cliSecret, withStore } from './support/store.js';

let install: Install;
let listener: Listener;
let as: oauth.AuthorizationServer;
let ownerId: string;
let shared: Promise<Linked> | undefined;

/**
 * One Alexa link for the tests that only read it: the CLI client may start
 * 10 pairings a minute (a product rate limit), and this file needs most of them.
 */
function sharedLink(): Promise<Linked> {
  shared ??= linkAlexa(new AlexaClient(as, install, 'basic'), { pkce: true });
  return shared;
}

beforeAll(async () => {
  install = await createTestInstall();
  listener = await startListener(install);
  as = await discover(install);
  ownerId = (await withStore(install, (s) => s.owner()))?.id as string;
});
afterAll(async () => {
  await closePeers();
  await listener?.stop();
  if (listener) expectCleanLogs(listener.logs());
});

describe('discovery (RFC 8414)', () => {
  it('publishes metadata a third-party client library accepts for this issuer', () => {
    expect(as).toMatchObject({
      issuer: install.baseUrl,
      authorization_endpoint: `${install.baseUrl}/alexa/authorize`,
      token_endpoint: `${install.baseUrl}/alexa/token`,
      device_authorization_endpoint: `${install.baseUrl}/oauth/device_authorization`,
      introspection_endpoint: `${install.baseUrl}/oauth/introspect`,
      revocation_endpoint: `${install.baseUrl}/oauth/revoke`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
  });
});

describe('pairing (the CLI half, RFC 8628 §3.1)', () => {
  it('starts a pairing only for the key holder', async () => {
    const pairing = await startPairing(as, install);
    expect(pairing).toMatchObject({
      verification_uri: `${install.baseUrl}/link`,
      expires_in: 600,
      interval: 5,
    });
    expect(pairing.verification_uri_complete).toBe(`${install.baseUrl}/link?code=${pairing.user_code}`);
    const stranger = new OAuthClient(as, 'ma-auth-cli', 'maa_cs_guessed', 'basic');
    expect(await oauthError(stranger.deviceAuthorization())).toEqual({
      status: 401,
      error: 'invalid_client',
    });
  });
});

describe('linking Alexa', () => {
  it("links through the owner's real `ma-auth link` and its QR page, and the CLI reports what was linked", async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const link = startLink(install.env, ['--no-qr']);
    try {
      const pairing = await link.next('pairing');
      expect(pairing.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);

      // The phone scans the QR code: the /link page shows the code and remembers it in a cookie…
      const qrPage = await send(alexa.peer, pairing.verification_uri_complete as string);
      expect(qrPage.status).toBe(200);
      expect(qrPage.text).toContain(pairing.user_code as string);
      const cookie = (qrPage.headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect(cookie).toMatch(/=/);

      // …so the consent page the Alexa app opens in the same browser comes pre-filled.
      const state = oauth.generateRandomState();
      const verifier = oauth.generateRandomCodeVerifier();
      const url = alexa.authorizationUrl({
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const form = await alexa.openConsent(url, { cookie });
      expect(form.requestId).toMatch(/^maa_req_/);
      expect(form.csrf).toMatch(/^maa_csrf_/);
      expect(form.userCode).toBe(pairing.user_code);
      expect(form.response.headers.get('cache-control')).toBe('no-store');
      expect((await alexa.openConsent(url)).userCode).toBe(''); // without the cookie: empty

      const approved = await alexa.submitConsent(form, {});
      expect(approved.status, approved.text).toBe(303);
      expect(approved.headers.get('set-cookie')).toMatch(/Max-Age=0/); // the code is forgotten
      const location = new URL(approved.headers.get('location') as string);
      // Back to the registered redirect URI exactly; nothing fetched from Amazon.
      expect(`${location.origin}${location.pathname}`).toBe(install.alexa.redirectUri);
      expect(location.searchParams.get('state')).toBe(state);
      expect(location.searchParams.get('code')).toMatch(/^maa_ac_/);
      expect(() => oauth.validateAuthResponse(as, alexa.client, location, 'another-state')).toThrow();
      const callback = oauth.validateAuthResponse(as, alexa.client, location, state);

      const exchanged = await alexa.exchangeCode(callback, verifier);
      expectTokenResponse(exchanged);
      expect(exchanged.raw.refresh_token).toMatch(/^maa_rt_/);

      expect(await link.exit(), link.stderr()).toBe(0);
      expect(link.events.at(-1)).toMatchObject({
        event: 'linked',
        linked_client_id: install.alexa.clientId,
        scope: SCOPE,
      });
    } finally {
      link.kill();
    }
  });

  // The pairing code as people type it on a phone: any case, with a space or a typographic dash.
  it.each([
    { method: 'basic', pkce: true, typed: (c: string) => c },
    { method: 'basic', pkce: false, typed: (c: string) => c.toLowerCase() },
    { method: 'post', pkce: true, typed: (c: string) => c.replace('-', ' ') },
    { method: 'post', pkce: false, typed: (c: string) => c.toLowerCase().replace('-', '\u2013') },
  ] as const)(
    'exchanges the code and refreshes with client_secret_$method, PKCE $pkce',
    async ({ method, pkce, typed }) => {
      const alexa = new AlexaClient(as, install, method);
      const linked = await linkAlexa(alexa, { pkce, typed });
      expectTokenResponse(linked.exchange);

      // What the library actually sent: one client authentication method, and the verifier only with PKCE.
      const sent = alexa.lastRequest();
      const body = new URLSearchParams(sent.body);
      expect(body.get('grant_type')).toBe('authorization_code');
      if (method === 'basic') {
        expect(sent.headers.authorization).toMatch(/^Basic /);
        expect(body.has('client_secret')).toBe(false);
      } else {
        expect(sent.headers.authorization).toBeUndefined();
        expect(body.get('client_id')).toBe(install.alexa.clientId);
        expect(body.get('client_secret')).toBe(install.alexa.clientSecret);
      }
      expect(body.has('code_verifier')).toBe(pkce);

      const refreshed = await alexa.refresh(linked.refreshToken);
      expectTokenResponse(refreshed);
      expect(refreshed.raw.refresh_token).toMatch(/^maa_rt_/);
      expect(refreshed.raw.refresh_token).not.toBe(linked.refreshToken);
      expect(refreshed.raw.access_token).not.toBe(linked.accessToken);

      const ma = musicAssistant(as, install);
      expect(await ma.introspect(refreshed.tokens.access_token)).toMatchObject({
        active: true,
        client_id: install.alexa.clientId,
        scope: SCOPE,
        sub: ownerId,
      });
    },
  );
});

describe('introspection by Music Assistant (RFC 7662)', () => {
  it('says active for live access and refresh tokens, and nothing but inactive otherwise', async () => {
    const linked = await sharedLink();
    const ma = musicAssistant(as, install);
    const nowS = Math.floor(Date.now() / 1000);

    const access = await ma.introspect(linked.accessToken);
    expect(access).toMatchObject({
      active: true,
      token_type: 'Bearer',
      client_id: install.alexa.clientId,
      scope: SCOPE,
      sub: ownerId,
    });
    expect(access.exp).toBeGreaterThanOrEqual(nowS + 3600 - 5);
    expect(access.exp).toBeLessThanOrEqual(nowS + 3600 + 5);
    expect(await ma.introspect(linked.refreshToken)).toMatchObject({
      active: true,
      token_type: 'refresh_token',
    });
    expect(await ma.introspect(`maa_at_${'A'.repeat(43)}`)).toEqual({ active: false });
  });

  it('refuses every other client, and Music Assistant with a wrong secret', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const linked = await sharedLink();
    expect(await oauthError(alexa.introspect(linked.accessToken))).toEqual({
      status: 400,
      error: 'unauthorized_client',
    });
    const cli = new OAuthClient(as, 'ma-auth-cli', await cliSecret(install), 'basic');
    expect(await oauthError(cli.introspect(linked.accessToken))).toEqual({
      status: 400,
      error: 'unauthorized_client',
    });
    const impostor = new OAuthClient(as, install.musicAssistant.clientId, 'maa_cs_wrong', 'basic');
    expect(await oauthError(impostor.introspect(linked.accessToken))).toEqual({
      status: 401,
      error: 'invalid_client',
    });
  });
});

describe('revocation (RFC 7009)', () => {
  it('revokes an access token alone, then a refresh token with its whole family', async () => {
    const alexa = new AlexaClient(as, install, 'post');
    const linked = await linkAlexa(alexa);
    const ma = musicAssistant(as, install);

    await alexa.revoke(linked.accessToken);
    expect(await ma.introspect(linked.accessToken)).toEqual({ active: false });
    // The grant lives on: the refresh token still works.
    const refreshed = await alexa.refresh(linked.refreshToken);
    expectTokenResponse(refreshed);
    expect(await ma.introspect(refreshed.tokens.access_token)).toMatchObject({ active: true });

    const newRefresh = refreshed.tokens.refresh_token as string;
    await alexa.revoke(newRefresh);
    expect(await ma.introspect(refreshed.tokens.access_token)).toEqual({ active: false });
    expect(await ma.introspect(newRefresh)).toEqual({ active: false });
    expect(await oauthError(alexa.refresh(newRefresh))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await oauthError(alexa.refresh(linked.refreshToken))).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    const events = await withStore(install, (s) => s.listAudit({ kinds: ['grant_revoked'] }));
    expect(events.some((e) => e.clientId === install.alexa.clientId && e.detail.by === 'client')).toBe(true);
  });

  it("answers another client's revocation of Alexa's token with 200 and changes nothing", async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const linked = await sharedLink();
    const ma = musicAssistant(as, install);
    const cli = new OAuthClient(as, 'ma-auth-cli', await cliSecret(install), 'basic');

    await cli.revoke(linked.accessToken); // 200, as for an unknown token (RFC 7009 §2.2)
    await cli.revoke(linked.refreshToken);
    expect(await ma.introspect(linked.accessToken)).toMatchObject({ active: true });
    expect(await ma.introspect(linked.refreshToken)).toMatchObject({ active: true });
    // Music Assistant holds no tokens and may not revoke at all.
    expect(await oauthError(ma.revoke(linked.accessToken))).toEqual({
      status: 400,
      error: 'unauthorized_client',
    });
    expectTokenResponse(await alexa.refresh(linked.refreshToken));
  });
});
