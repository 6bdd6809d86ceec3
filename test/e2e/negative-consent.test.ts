/**
 * Refusals on the browser side of linking — the authorization request and the
 * consent form — against a real listener. Each is a clear 4xx page (or, once
 * the client and redirect URI are verified, the RFC's error redirect to
 * Alexa), never a 5xx, and leaves the store exactly as it was: compared as a
 * logical dump of every table, with the audit trail checked by kind.
 *
 * Wrong pairing codes are the one refusal that writes, by design: they are
 * counted against the request and the client address (RFC 8628 §5.1). Those
 * tests check that exactly the counters moved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { MAX_PAIRING_ATTEMPTS_PER_REQUEST } from '../../src/oauth/policy.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { expectCleanLogs, expectErrorPage, expectErrorRedirect } from './support/expect.js';
import {
  AlexaClient,
  authorizeAndApprove,
  type ConsentForm,
  discover,
  OAuthClient,
  oauth,
  startPairing,
} from './support/oauth-peers.js';
import { closePeers, newPeer, postForm, send } from './support/peer.js';
import {
  changedTables,
  cliSecret,
  dumpStore,
  expectStoreUnchanged,
  newAuditKinds,
  type StoreDump,
  withDatabase,
} from './support/store.js';

let install: Install;
let listener: Listener;
let as: oauth.AuthorizationServer;
/** A pairing that stays pending all along: wrong codes are tried while a right one exists. */
let live: oauth.DeviceAuthorizationResponse;

beforeAll(async () => {
  install = await createTestInstall();
  listener = await startListener(install);
  as = await discover(install);
  live = await startPairing(as, install);
});
afterAll(async () => {
  await closePeers();
  await listener?.stop();
  if (listener) expectCleanLogs(listener.logs());
});

/** A fresh Alexa (own client address) on a fresh consent page. */
async function consentPage(): Promise<{ alexa: AlexaClient; form: ConsentForm; state: string }> {
  const alexa = new AlexaClient(as, install, 'basic');
  const state = oauth.generateRandomState();
  const form = await alexa.openConsent(alexa.authorizationUrl({ state }));
  return { alexa, form, state };
}

/** Well-formed pairing codes that are not the live one. */
function wrongCodes(n: number): string[] {
  const letters = 'BCDFGHJKLMNPQRSTVWXZ';
  const codes: string[] = [];
  for (let i = 0; codes.length < n; i++) {
    const c = letters[i] as string;
    const code = `${c.repeat(4)}-${c.repeat(4)}`;
    if (code !== live.user_code) codes.push(code);
  }
  return codes;
}

function pendingRow(dump: StoreDump, requestId: string) {
  return dump.tables.pending_requests?.find((r) => r.id_hash === sha256Hex(requestId));
}

function pairingStatus(deviceCode: string): unknown {
  return withDatabase(
    install,
    (db) =>
      db
        .prepare('SELECT status FROM device_authorizations WHERE device_code_hash = ?')
        .get(sha256Hex(deviceCode))?.status,
  );
}

/**
 * A wrong code moved exactly its counters: the request's failed_attempts by
 * one and the address counter; nothing else, audited as pairing_failed.
 */
function expectOnlyAttemptCounted(before: StoreDump, after: StoreDump, requestId: string): void {
  expect(changedTables(before, after).sort()).toEqual(['attempt_counters', 'pending_requests']);
  const was = pendingRow(before, requestId);
  const now = pendingRow(after, requestId);
  expect(now).toEqual({ ...was, failed_attempts: (was?.failed_attempts as number) + 1 });
  const total = (d: StoreDump) =>
    (d.tables.attempt_counters ?? []).reduce((n, r) => n + (r.count as number), 0);
  expect(total(after)).toBe(total(before) + 1);
  expect(newAuditKinds(before, after)).toEqual(['pairing_failed']);
}

describe('authorization request (GET /alexa/authorize)', () => {
  it.each([
    ['another host', 'https://evil.example/api/skill/link/M2ABCDEFGH'],
    ['a longer path', `${'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH'}/x`],
    ['an added query', 'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH?x=1'],
    ['another case', 'https://pitangui.amazon.com/api/skill/link/m2abcdefgh'],
    ['http', 'http://pitangui.amazon.com/api/skill/link/M2ABCDEFGH'],
  ])('shows an error page for an unregistered redirect URI (%s), never redirecting', async (_, uri) => {
    const alexa = new AlexaClient(as, install, 'basic');
    const before = dumpStore(install);
    const res = await send(alexa.peer, alexa.authorizationUrl({ state: 's', redirect_uri: uri }));
    expectErrorPage(res, 400);
    expect(res.text).not.toContain('evil.example');
    expectStoreUnchanged(before, dumpStore(install));
  });

  it('shows an error page for an unknown or missing client', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const before = dumpStore(install);
    expectErrorPage(await send(alexa.peer, alexa.authorizationUrl({ state: 's', client_id: 'evil' })), 400);
    expectErrorPage(await send(alexa.peer, alexa.authorizationUrl({ state: 's', client_id: '' })), 400);
    // Music Assistant is registered, but is no client that may ask for linking.
    expectErrorPage(
      await send(
        alexa.peer,
        alexa.authorizationUrl({ state: 's', client_id: install.musicAssistant.clientId }),
      ),
      400,
    );
    expectStoreUnchanged(before, dumpStore(install));
  });

  it.each([
    ['redirect_uri', 'https://evil.example/cb'],
    ['state', 'other'],
    ['client_id', 'evil'],
    ['response_type', 'token'],
  ])('refuses a duplicated %s parameter with an error page (RFC 6749 §3.1)', async (name, second) => {
    const alexa = new AlexaClient(as, install, 'basic');
    const url = alexa.authorizationUrl({ state: 's' });
    url.searchParams.append(name, second);
    const before = dumpStore(install);
    expectErrorPage(await send(alexa.peer, url), 400);
    expectStoreUnchanged(before, dumpStore(install));
  });

  it.each([
    ['response_type missing', { response_type: '' }, 'invalid_request'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['an unknown scope', { scope: 'music.read admin' }, 'invalid_scope'],
    ['PKCE plain', { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
    ['a challenge without a method (means plain)', { code_challenge: 'x'.repeat(43) }, 'invalid_request'],
    ['a method without a challenge', { code_challenge_method: 'S256' }, 'invalid_request'],
    [
      'a malformed S256 challenge',
      { code_challenge: 'short', code_challenge_method: 'S256' },
      'invalid_request',
    ],
  ])('sends %s back to Alexa as an error with state, creating nothing', async (_, params, error) => {
    const alexa = new AlexaClient(as, install, 'basic');
    const url = alexa.authorizationUrl({ state: 'st-1', ...params });
    for (const [k, v] of Object.entries(params)) if (v === '') url.searchParams.delete(k);
    const before = dumpStore(install);
    expectErrorRedirect(await send(alexa.peer, url), install.alexa.redirectUri, error, 'st-1');
    expectStoreUnchanged(before, dumpStore(install));
  });
});

describe('consent form (POST /alexa/approve)', () => {
  it('refuses a bad CSRF token with 403, counting no attempt', async () => {
    const { alexa, form } = await consentPage();
    const other = await consentPage();
    const before = dumpStore(install);
    expectErrorPage(
      await alexa.submitConsent(form, { userCode: live.user_code, csrf: 'maa_csrf_forged' }),
      403,
    );
    expectErrorPage(await alexa.submitConsent(form, { userCode: live.user_code, csrf: '' }), 400);
    // Another request's valid token is no better.
    expectErrorPage(
      await alexa.submitConsent(form, { userCode: live.user_code, csrf: other.form.csrf }),
      403,
    );
    expectStoreUnchanged(before, dumpStore(install));
    expect(pairingStatus(live.device_code)).toBe('pending');
  });

  it('refuses an incomplete or unknown form with an error page', async () => {
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const url = form.action;
    expectErrorPage(
      await postForm(alexa.peer, url, [
        ['csrf', form.csrf],
        ['action', 'approve'],
      ]),
      400,
    );
    expectErrorPage(
      await postForm(alexa.peer, url, [
        ['request_id', form.requestId],
        ['action', 'approve'],
      ]),
      400,
    );
    expectErrorPage(
      await postForm(alexa.peer, url, [
        ['request_id', form.requestId],
        ['csrf', form.csrf],
        ['action', 'link-everything'],
      ]),
      400,
    );
    expectErrorPage(
      await alexa.submitConsent(form, { requestId: 'maa_req_unknown', userCode: live.user_code }),
      400,
    );
    expectErrorPage(
      await postForm(alexa.peer, url, [
        ['request_id', form.requestId],
        ['request_id', form.requestId],
        ['csrf', form.csrf],
        ['user_code', live.user_code],
        ['action', 'approve'],
      ]),
      400,
    );
    expectStoreUnchanged(before, dumpStore(install));
  });

  it('refuses an oversized form with 413', async () => {
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const res = await postForm(
      alexa.peer,
      form.action,
      `request_id=${form.requestId}&csrf=${form.csrf}&action=approve&user_code=${live.user_code}&pad=${'x'.repeat(20_000)}`,
    );
    expectErrorPage(res, 413);
    expectStoreUnchanged(before, dumpStore(install));
    expect(pairingStatus(live.device_code)).toBe('pending');
  });

  it('asks again for a malformed code without counting it', async () => {
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const res = await alexa.submitConsent(form, { userCode: 'HELLO' });
    // The consent page again, with the problem on it (200: see approve.ts on in-app browsers).
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.text).toContain('A pairing code is 8 letters');
    expectStoreUnchanged(before, dumpStore(install));
  });

  it('refuses a wrong pairing code: the consent page again, only the attempt counted', async () => {
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const res = await alexa.submitConsent(form, { userCode: wrongCodes(1)[0] as string });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.text).toContain(`That code is not right. ${MAX_PAIRING_ATTEMPTS_PER_REQUEST - 1} tries left.`);
    expectOnlyAttemptCounted(before, dumpStore(install), form.requestId);
    expect(pairingStatus(live.device_code)).toBe('pending');
  });

  it('refuses an expired pairing code like a wrong one, and issues nothing', async () => {
    const pairing = await startPairing(as, install);
    withDatabase(install, (db) =>
      db
        .prepare('UPDATE device_authorizations SET expires_at = ? WHERE device_code_hash = ?')
        .run(Date.now() - 1000, sha256Hex(pairing.device_code)),
    );
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const res = await alexa.submitConsent(form, { userCode: pairing.user_code });
    expect(res.status).toBe(200);
    expect(res.text).toContain('That code is not right.');
    expectOnlyAttemptCounted(before, dumpStore(install), form.requestId);
    expect(pairingStatus(pairing.device_code)).toBe('pending');
  });

  it('refuses a cancelled pairing code (`ma-auth link` interrupted) like a wrong one', async () => {
    const pairing = await startPairing(as, install);
    const cli = new OAuthClient(as, 'ma-auth-cli', await cliSecret(install), 'basic');
    await cli.revoke(pairing.device_code);
    expect(pairingStatus(pairing.device_code)).toBe('cancelled');
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const res = await alexa.submitConsent(form, { userCode: pairing.user_code });
    expect(res.status).toBe(200);
    expect(res.text).toContain('That code is not right.');
    expectOnlyAttemptCounted(before, dumpStore(install), form.requestId);
  });

  it('refuses a pairing code that already linked once', async () => {
    const pairing = await startPairing(as, install);
    await authorizeAndApprove(new AlexaClient(as, install, 'basic'), { pairingCode: pairing.user_code });
    expect(pairingStatus(pairing.device_code)).toBe('approved');
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const res = await alexa.submitConsent(form, { userCode: pairing.user_code });
    expect(res.status).toBe(200);
    expect(res.text).toContain('That code is not right.');
    expectOnlyAttemptCounted(before, dumpStore(install), form.requestId);
  });

  it(`locks a request after ${MAX_PAIRING_ATTEMPTS_PER_REQUEST} wrong guesses; then even the right code fails`, async () => {
    const { alexa, form } = await consentPage();
    const before = dumpStore(install);
    const guesses = wrongCodes(MAX_PAIRING_ATTEMPTS_PER_REQUEST);
    for (const [i, guess] of guesses.entries()) {
      const res = await alexa.submitConsent(form, { userCode: guess });
      if (i < guesses.length - 1) {
        expect(res.status).toBe(200);
        const left = MAX_PAIRING_ATTEMPTS_PER_REQUEST - i - 1;
        expect(res.text).toContain(`${left} ${left === 1 ? 'try' : 'tries'} left`);
      } else {
        expectErrorPage(res, 403);
      }
    }
    const locked = dumpStore(install);
    const right = await alexa.submitConsent(form, { userCode: live.user_code });
    expectErrorPage(right, 403);
    expect(right.text).toContain('Too many wrong codes');
    // The right code changed nothing: no authorization code, the pairing still pending.
    expectStoreUnchanged(locked, dumpStore(install));
    expect(pairingStatus(live.device_code)).toBe('pending');
    expect(pendingRow(locked, form.requestId)?.failed_attempts).toBe(MAX_PAIRING_ATTEMPTS_PER_REQUEST);
    expect(changedTables(before, locked).sort()).toEqual(['attempt_counters', 'pending_requests']);
    expect(newAuditKinds(before, locked)).toEqual([...guesses.map(() => 'pairing_failed'), 'pairing_locked']);
  });

  it('sends a denial back to Alexa with state; the request is spent, the pairing untouched', async () => {
    const { alexa, form, state } = await consentPage();
    const before = dumpStore(install);
    const res = await alexa.submitConsent(form, { action: 'deny', userCode: '' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(install.alexa.redirectUri);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe(state);
    expect(() => oauth.validateAuthResponse(as, alexa.client, location, state)).toThrow(
      oauth.AuthorizationResponseError,
    );
    const after = dumpStore(install);
    expect(changedTables(before, after)).toEqual(['pending_requests']);
    expect(pendingRow(after, form.requestId)).toBeUndefined();
    expect(newAuditKinds(before, after)).toEqual(['link_denied']);
    // Spent: the same form cannot approve afterwards.
    expectErrorPage(await alexa.submitConsent(form, { userCode: live.user_code }), 400);
    expect(pairingStatus(live.device_code)).toBe('pending');
  });

  it('keeps a second browser from the first one’s request', async () => {
    // A different client address with the right ids still needs the code, and a wrong one counts.
    const { form } = await consentPage();
    const stranger = newPeer();
    const before = dumpStore(install);
    const res = await postForm(stranger, form.action, [
      ['request_id', form.requestId],
      ['csrf', form.csrf],
      ['user_code', wrongCodes(2)[1] as string],
      ['action', 'approve'],
    ]);
    expect(res.status).toBe(200);
    expectOnlyAttemptCounted(before, dumpStore(install), form.requestId);
  });
});
