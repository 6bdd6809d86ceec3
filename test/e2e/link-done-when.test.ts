/**
 * The done-when, end to end with real components only: after `init`,
 * `ma-auth link --json` (which starts the listener itself) is approved on the
 * consent page by a real browser and reports `amazon-alexa` as linked; the
 * Alexa side, a third-party OAuth client (oauth4webapi), exchanges the code;
 * the listener is restarted (`ma-auth stop`, `ma-auth serve --detach`); the
 * client's refresh still succeeds, and Music Assistant sees the new access
 * token as active.
 */
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeUrl,
  CONSENT,
  captureRedirects,
  launchBrowser,
  openPhone,
  type PhonePage,
} from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { ALEXA_REDIRECT, createTestInstall, type Install } from '../support/install.js';
import { type LinkChild, startLink } from '../support/link-child.js';

/** The install is on http loopback; oauth4webapi refuses http unless told. */
const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

describe('done when: ma-auth link approved in a browser links amazon-alexa, and the link survives a listener restart', () => {
  let install: Install;
  let browser: Browser;
  let phone: PhonePage | undefined;
  let link: LinkChild | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
    install = await createTestInstall();
  });
  afterAll(async () => {
    link?.kill();
    await phone?.context.close();
    await browser?.close();
    // The detached listener (started by link, then by serve --detach) must not outlive the test.
    if (install) {
      const stop = await runCli(['stop'], install.env);
      expect(stop.code, stop.stderr).toBe(0);
    }
  });

  it('links, exchanges the code, restarts the listener, refreshes', { timeout: 60_000 }, async () => {
    // ── the owner: ma-auth link (no listener runs yet: link starts one) ──
    link = startLink(install.env, []);
    const started = await link.next('listener_started');
    expect(started.address).toBe(`127.0.0.1:${install.port}`);
    expect(started.pid).toEqual(expect.any(Number));
    const pairing = await link.next('pairing');
    const userCode = pairing.user_code as string;

    // ── Alexa: discovery, then the authorization request with PKCE and state ──
    const issuer = new URL(install.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...INSECURE }),
    );
    expect(as.authorization_endpoint).toBe(`${install.baseUrl}/alexa/authorize`);
    const client: oauth.Client = { client_id: install.alexa.clientId };
    const clientAuth = oauth.ClientSecretBasic(install.alexa.clientSecret);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = authorizeUrl({
      baseUrl: install.baseUrl,
      clientId: install.alexa.clientId,
      redirectUri: install.alexa.redirectUri,
      state,
      extra: {
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      },
    });

    // ── the owner's phone: the Alexa app opens the consent page, the owner types the code ──
    phone = await openPhone(browser, install.baseUrl);
    const { page, watch } = phone;
    const alexa = await captureRedirects(page, `${new URL(ALEXA_REDIRECT).origin}/**`);
    await page.goto(url);
    await page.locator(CONSENT.codeField).fill(userCode.toLowerCase().replace('-', ' ')); // as typed on a phone
    await page.locator(CONSENT.approve).click();
    const callback = await alexa.next();
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems()).toEqual([]);

    // ── ma-auth link names what was linked and ends with success ──
    const linked = await link.next('linked', 20_000);
    expect(linked).toMatchObject({ event: 'linked', linked_client_id: 'amazon-alexa' });
    expect(await link.exit()).toBe(0);
    expect(link.events.map((e) => e.event)).toEqual(['listener_started', 'pairing', 'linked']);

    // ── Alexa exchanges the code ──
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        install.alexa.redirectUri,
        verifier,
        INSECURE,
      ),
    );
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThanOrEqual(360); // Alexa's minimum
    expect(tokens.refresh_token).toEqual(expect.any(String));

    // ── a listener restart: stop the one link started, start a new one ──
    const stop = await runCli(['stop', '--json'], install.env);
    expect(stop.code, stop.stderr).toBe(0);
    expect(JSON.parse(stop.stdout)).toMatchObject({ event: 'stopped', pid: started.pid, forced: false });
    await expect(fetch(`${install.baseUrl}/health`)).rejects.toThrow();
    const serve = await runCli(['serve', '--detach', '--json'], install.env);
    expect(serve.code, serve.stderr).toBe(0);
    const restarted = JSON.parse(serve.stdout);
    expect(restarted).toMatchObject({ event: 'started' });
    expect(restarted.pid).not.toBe(started.pid);

    // ── Alexa's refresh works against the new process ──
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token as string, INSECURE),
    );
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token); // rotated
    expect(refreshed.expires_in).toBeGreaterThanOrEqual(360);

    // ── and Music Assistant accepts the new access token ──
    const ma: oauth.Client = { client_id: install.musicAssistant.clientId };
    const introspection = await oauth.processIntrospectionResponse(
      as,
      ma,
      await oauth.introspectionRequest(
        as,
        ma,
        oauth.ClientSecretBasic(install.musicAssistant.clientSecret),
        refreshed.access_token,
        INSECURE,
      ),
    );
    expect(introspection).toMatchObject({
      active: true,
      client_id: 'amazon-alexa',
      scope: 'music.read music.control',
    });
  });
});
