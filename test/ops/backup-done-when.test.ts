/**
 * The done-when, as one test with real components only: `init` →
 * link (the CLI's device authorization, then the Alexa app's consent page
 * with the pairing code, as plain HTTP) → the Alexa side, a third-party
 * OAuth client (oauth4webapi), exchanges the code → `backup` with a
 * passphrase → `rotate-key` (the listener keeps serving) → `restore` onto a
 * fresh MA_AUTH_HOME with a new data key → the third-party client's refresh
 * succeeds against the listener there, and Music Assistant's introspection
 * with its old secret too.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_CLIENT_ID, cliClientSecret } from '../../src/oauth/builtin-clients.js';
import { type Install, type Listener, startListener } from '../support/install.js';
import { basic, cli, freshInstall, installKey, PASSPHRASE, removeInstall } from './support.js';

const INSECURE = { [oauth.allowInsecureRequests]: true } as const;
const SCOPE = 'music.read music.control';

function hiddenField(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!m?.[1]) throw new Error(`no hidden ${name} on the consent page`);
  return m[1];
}

async function discover(install: Install): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(install.baseUrl);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...INSECURE }),
  );
}

describe('done when', () => {
  const listeners: Listener[] = [];
  const installs: Install[] = [];
  afterAll(async () => {
    for (const l of listeners) await l.stop();
    for (const i of installs) await removeInstall(i);
  });

  it('init → link → backup (passphrase) → rotate-key → restore on a new machine with a new key → the client refreshes there', async () => {
    // ── init, and the listener ──
    const home = await freshInstall();
    installs.push(home);
    listeners.push(await startListener(home));

    // ── link: the CLI starts a pairing (as `ma-auth link` does) ──
    const pairing = await fetch(`${home.baseUrl}/oauth/device_authorization`, {
      method: 'POST',
      headers: {
        authorization: basic(CLI_CLIENT_ID, cliClientSecret(await installKey(home))),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ scope: SCOPE }),
    });
    expect(pairing.status).toBe(200);
    const { user_code: userCode } = (await pairing.json()) as { user_code: string };

    // ── the Alexa app: authorization request (PKCE, state), consent page, the owner types the code ──
    const as = await discover(home);
    const alexa: oauth.Client = { client_id: home.alexa.clientId };
    const alexaAuth = oauth.ClientSecretBasic(home.alexa.clientSecret);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorizeUrl = new URL(as.authorization_endpoint as string);
    authorizeUrl.search = new URLSearchParams({
      response_type: 'code',
      client_id: alexa.client_id,
      redirect_uri: home.alexa.redirectUri,
      scope: SCOPE,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    const approved = await fetch(`${home.baseUrl}/alexa/approve`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        request_id: hiddenField(html, 'request_id'),
        csrf: hiddenField(html, 'csrf'),
        user_code: userCode,
        action: 'approve',
      }),
    });
    expect([302, 303]).toContain(approved.status);
    const callback = new URL(approved.headers.get('location') as string);
    expect(`${callback.origin}${callback.pathname}`).toBe(home.alexa.redirectUri);

    // ── Alexa's cloud: the code exchange ──
    const params = oauth.validateAuthResponse(as, alexa, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      alexa,
      await oauth.authorizationCodeGrantRequest(
        as,
        alexa,
        alexaAuth,
        params,
        home.alexa.redirectUri,
        verifier,
        INSECURE,
      ),
    );
    const refreshToken = tokens.refresh_token as string;
    expect(refreshToken).toMatch(/^maa_rt_/);

    // ── backup with a passphrase, while the listener runs ──
    const b = await cli(home, ['backup', '--passphrase-stdin', '--json'], { input: PASSPHRASE });
    expect(b.code, b.stderr).toBe(0);
    const backupFile = JSON.parse(b.stdout).file as string;

    // ── rotate-key: the running listener keeps serving ──
    const rotated = await cli(home, ['rotate-key', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const afterRotation = await oauth.processRefreshTokenResponse(
      as,
      alexa,
      await oauth.refreshTokenGrantRequest(as, alexa, alexaAuth, refreshToken, INSECURE),
    );
    expect(afterRotation.access_token).toMatch(/^maa_at_/);

    // ── a new machine: a fresh MA_AUTH_HOME with its own new data key; restore there ──
    const spare = await freshInstall();
    installs.push(spare);
    const spareKey = await installKey(spare);
    expect(spareKey.id).not.toBe(JSON.parse(rotated.stdout).newKeyId);
    expect(spareKey.id).not.toBe(JSON.parse(rotated.stdout).oldKeyId);
    const restored = await cli(spare, ['restore', backupFile, '--passphrase-stdin', '--yes', '--json'], {
      input: PASSPHRASE,
    });
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ event: 'restored', keyId: spareKey.id });
    listeners.push(await startListener(spare));

    // ── the third-party client refreshes against the new machine, with the same credentials ──
    const spareAs = await discover(spare);
    const refreshed = await oauth.processRefreshTokenResponse(
      spareAs,
      alexa,
      await oauth.refreshTokenGrantRequest(spareAs, alexa, alexaAuth, refreshToken, INSECURE),
    );
    expect(refreshed.access_token).toMatch(/^maa_at_/);
    expect(refreshed.refresh_token).toMatch(/^maa_rt_/);
    expect(refreshed.expires_in).toBeGreaterThan(0);

    // ── and Music Assistant, with the secret it always had, sees the new access token as active ──
    const ma: oauth.Client = { client_id: home.musicAssistant.clientId };
    const introspection = await oauth.processIntrospectionResponse(
      spareAs,
      ma,
      await oauth.introspectionRequest(
        spareAs,
        ma,
        oauth.ClientSecretBasic(home.musicAssistant.clientSecret),
        refreshed.access_token,
        INSECURE,
      ),
    );
    expect(introspection.active).toBe(true);
    expect(introspection.client_id).toBe(alexa.client_id);
  }, 90_000);
});
