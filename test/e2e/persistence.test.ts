/**
 * Links survive the listener: a graceful restart, and a crash (`kill -9`)
 * right after a refresh answered. DESIGN.md "Durable before it answers": a
 * refresh token the listener handed out must be in the store when its
 * response leaves, or Alexa holds a token the store forgot.
 *
 * What a SIGKILL can show: the rotation was committed before the response was
 * sent (not buffered in the process). Loss of the OS page cache (a power cut)
 * is out of reach of a test; the listener fsyncs the WAL before it answers
 * (store/sqlite/wal-sync.ts; test/store/group-commit.test.ts checks that no
 * answer goes out before a flush that started after its commit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_PAIRING_ATTEMPTS_PER_REQUEST,
  MAX_PAIRING_FAILURES_PER_ADDRESS,
} from '../../src/oauth/policy.js';
import { runCli } from '../support/cli.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { expectCleanLogs, expectErrorPage } from './support/expect.js';
import {
  AlexaClient,
  discover,
  expectTokenResponse,
  linkAlexa,
  musicAssistant,
  oauth,
  oauthError,
  startPairing,
} from './support/oauth-peers.js';
import { closePeers, newPeer } from './support/peer.js';

let install: Install;
let listener: Listener | undefined;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  install = await createTestInstall();
  listener = await startListener(install);
  as = await discover(install);
});
afterAll(async () => {
  await closePeers();
  const last = listener;
  await last?.stop();
  if (last) expectCleanLogs(last.logs());
});

async function restart(how: 'stop' | 'kill'): Promise<void> {
  const current = listener;
  listener = undefined;
  if (how === 'stop') expect(await current?.stop()).toBe(0);
  else await current?.kill();
  if (current) expectCleanLogs(current.logs());
  listener = await startListener(install);
}

describe('links survive the listener', () => {
  it('a graceful restart: the refresh token and the access token still work', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const linked = await linkAlexa(alexa, { pkce: true });
    await restart('stop');
    const ma = musicAssistant(as, install);
    expect(await ma.introspect(linked.accessToken)).toMatchObject({ active: true });
    const refreshed = await alexa.refresh(linked.refreshToken);
    expectTokenResponse(refreshed);
    expect(await ma.introspect(refreshed.tokens.access_token)).toMatchObject({ active: true });
  });

  it('kill -9 right after a refresh: the refresh token it handed out works after the restart', async () => {
    const alexa = new AlexaClient(as, install, 'post');
    const linked = await linkAlexa(alexa);
    const refreshed = await alexa.refresh(linked.refreshToken);
    const handedOut = refreshed.tokens.refresh_token as string;
    await restart('kill');

    const next = await alexa.refresh(handedOut);
    expectTokenResponse(next);
    expect(await musicAssistant(as, install).introspect(refreshed.tokens.access_token)).toMatchObject({
      active: true,
    });
    // The store is whole: status opens it without complaint.
    const status = await runCli(['status', '--json'], install.env);
    expect(status.code, status.stderr).toBe(0);
  });

  it('kill -9 in the middle of a stream of refreshes: the last token received still works', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    let latest = (await linkAlexa(alexa)).refreshToken;
    let received = 0;
    let stopped = false;
    // A storing client refreshing back to back: each refresh presents the newest token.
    const stream = (async () => {
      while (!stopped) {
        try {
          latest = (await alexa.refresh(latest)).tokens.refresh_token as string;
          received += 1;
        } catch {
          return; // the listener died under this request; its answer never arrived
        }
      }
    })();
    while (received < 15) await new Promise((r) => setTimeout(r, 5));
    const crashed = restart('kill');
    await stream;
    stopped = true;
    await crashed;

    // The request in flight at the kill may have rotated `latest` without the client hearing of it;
    // presenting `latest` again is then a retry of the newest token the client knows, and works.
    const after = await alexa.refresh(latest);
    expectTokenResponse(after);
    expect(await oauthError(alexa.refresh(`maa_rt_${'A'.repeat(43)}`))).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('a crash in the middle of linking loses nothing: pairing, consent request, authorization code', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const pairing = await startPairing(as, install);
    const state = oauth.generateRandomState();
    const verifier = oauth.generateRandomCodeVerifier();
    const form = await alexa.openConsent(
      alexa.authorizationUrl({
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }),
    );
    await restart('kill'); // the consent page is open on the phone, the pairing code on the screen

    const approved = await alexa.submitConsent(form, { userCode: pairing.user_code });
    expect(approved.status, approved.text).toBe(303);
    const callback = oauth.validateAuthResponse(
      as,
      alexa.client,
      new URL(approved.headers.get('location') as string),
      state,
    );
    await restart('kill'); // Alexa got the code; the listener dies before Alexa exchanges it

    const exchanged = await alexa.exchangeCode(callback, verifier);
    expectTokenResponse(exchanged);
    await restart('kill'); // and right after the tokens went out
    expectTokenResponse(await alexa.refresh(exchanged.tokens.refresh_token as string));
  });

  it('wrong pairing codes counted per address survive a restart (RFC 8628 §5.1)', async () => {
    const pairing = await startPairing(as, install);
    const peer = newPeer();
    const guesses = ['BBBB-BBBB', 'CCCC-CCCC', 'DDDD-DDDD', 'FFFF-FFFF', 'GGGG-GGGG'].filter(
      (c) => c !== pairing.user_code,
    );
    // Consent requests, each short of its own limit, together reach the address limit.
    let wrong = 0;
    while (wrong < MAX_PAIRING_FAILURES_PER_ADDRESS) {
      const alexa = new AlexaClient(as, install, 'basic', peer);
      const form = await alexa.openConsent(alexa.authorizationUrl({ state: 's' }));
      for (const guess of guesses.slice(0, MAX_PAIRING_ATTEMPTS_PER_REQUEST - 1)) {
        if (wrong === MAX_PAIRING_FAILURES_PER_ADDRESS) break;
        await alexa.submitConsent(form, { userCode: guess });
        wrong += 1;
      }
    }
    await restart('stop');

    const alexa = new AlexaClient(as, install, 'basic', peer);
    const form = await alexa.openConsent(alexa.authorizationUrl({ state: 's' }));
    const locked = await alexa.submitConsent(form, { userCode: pairing.user_code });
    expectErrorPage(locked, 429);
    // Another address is not affected: the same pairing code links from there.
    const elsewhere = new AlexaClient(as, install, 'basic');
    expectTokenResponse((await linkAlexa(elsewhere, { pairingCode: pairing.user_code })).exchange);
  });
});
