import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { authorize } from '../../src/oauth/authorize.js';
import { AuthorizationPageError } from '../../src/oauth/authorize-errors.js';
import { CLI_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import { type ConsentDecision, decideConsent } from '../../src/oauth/consent.js';
import type { RequestMeta } from '../../src/oauth/context.js';
import { deviceAuthorization } from '../../src/oauth/device-authorization.js';
import { revoke } from '../../src/oauth/revoke.js';
import { userCodeHash } from '../../src/oauth/user-code.js';
import {
  ALEXA_ID,
  authorizeParams,
  DEVICE_ID,
  type Fixture,
  META,
  makeFixture,
  REDIRECT,
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

const WRONG = 'BBBB-BBBB';

async function consentRequest(meta: RequestMeta = META, params = authorizeParams()) {
  const view = await authorize(params, fx.deps, meta);
  return (
    action: ConsentDecision['action'],
    userCode?: string,
    extra: Partial<ConsentDecision> = {},
    m = meta,
  ) =>
    decideConsent(
      { requestId: view.requestId, csrfToken: view.csrfToken, action, userCode, ...extra },
      fx.deps,
      m,
    );
}

async function pageReason(promise: Promise<unknown>) {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(AuthorizationPageError);
  return (err as AuthorizationPageError).reason;
}

describe('consent with a pairing code', () => {
  it('approves with the CLI pairing code: code + exact state back to Alexa, pairing approved for the owner', async () => {
    const pairing = await startCliPairing(fx);
    const decide = await consentRequest();
    const outcome = await decide('approve', pairing.user_code.toLowerCase());
    expect(outcome.kind).toBe('redirect');
    if (outcome.kind !== 'redirect') return;
    const url = new URL(outcome.location);
    expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
    expect(url.searchParams.get('state')).toBe('xyz state/with?odd&chars=1');
    const code = url.searchParams.get('code') as string;
    expect(code).toMatch(/^maa_ac_/);
    const stored = await fx.store.getAuthorizationCode(sha256Hex(code));
    expect(stored).toMatchObject({ clientId: ALEXA_ID, redirectUri: REDIRECT, ownerId: 'owner-1' });
    expect(stored!.expiresAt - stored!.createdAt).toBeLessThanOrEqual(5 * 60 * 1000);
    const device = await fx.store.findDeviceAuthorizationByUserCode(
      userCodeHash(fx.deps.key, pairing.user_code.replace('-', '')),
    );
    expect(device).toMatchObject({ status: 'approved', ownerId: 'owner-1', linkedClientId: ALEXA_ID });
    expect(device?.decidedAt).toBe(fx.now());
    const [linked, ...more] = await fx.store.listAudit({ kinds: ['linked'] });
    expect(more).toEqual([]);
    // Written in the approval's own transaction, with the pairing it used.
    expect(linked).toMatchObject({ clientId: ALEXA_ID, detail: { deviceAuthorizationId: device?.id } });
  });

  it('consumes the request: the same form cannot approve twice', async () => {
    const pairing = await startCliPairing(fx);
    const decide = await consentRequest();
    await decide('approve', pairing.user_code);
    expect(await pageReason(decide('approve', pairing.user_code))).toBe('request_expired');
  });

  it('uses a pairing code once', async () => {
    const pairing = await startCliPairing(fx);
    await (await consentRequest())('approve', pairing.user_code);
    const second = await (await consentRequest())('approve', pairing.user_code);
    expect(second.kind).toBe('retry');
    if (second.kind === 'retry') expect(second.problem).toBe('wrong_code');
  });

  it('preserves the registered redirect URI query and appends code and state', async () => {
    const withQuery = `${REDIRECT}?vendor=a%20b`;
    await fx.store.updateClient(ALEXA_ID, { redirectUris: [withQuery] }, fx.now());
    const pairing = await startCliPairing(fx);
    const decide = await consentRequest(META, authorizeParams({ redirect_uri: withQuery, state: 'a+b c' }));
    const outcome = await decide('approve', pairing.user_code);
    if (outcome.kind !== 'redirect') throw new Error('expected redirect');
    expect(outcome.location).toMatch(
      /^https:\/\/pitangui\.amazon\.com\/api\/skill\/link\/M2ABCDEF\?vendor=a%20b&code=maa_ac_/,
    );
    expect(new URL(outcome.location).searchParams.get('state')).toBe('a+b c');
  });

  it('denies: access_denied with state, request consumed, pairing untouched', async () => {
    const pairing = await startCliPairing(fx);
    const decide = await consentRequest();
    const outcome = await decide('deny');
    if (outcome.kind !== 'redirect') throw new Error('expected redirect');
    const url = new URL(outcome.location);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('xyz state/with?odd&chars=1');
    expect(url.searchParams.get('code')).toBeNull();
    expect(await pageReason(decide('approve', pairing.user_code))).toBe('request_expired');
  });

  it('refuses a wrong CSRF token without counting an attempt', async () => {
    const pairing = await startCliPairing(fx);
    const decide = await consentRequest();
    expect(await pageReason(decide('approve', pairing.user_code, { csrfToken: 'maa_csrf_forged' }))).toBe(
      'csrf_mismatch',
    );
    expect((await decide('approve', pairing.user_code)).kind).toBe('redirect');
  });

  it('does not count a malformed code', async () => {
    await startCliPairing(fx);
    const decide = await consentRequest();
    for (let i = 0; i < 6; i++) {
      const outcome = await decide('approve', 'hello');
      expect(outcome.kind === 'retry' && outcome.problem).toBe('malformed_code');
    }
    expect((await decide('approve', WRONG)).kind).toBe('retry');
  });

  it('kills the request after 5 wrong codes, even for the right one', async () => {
    const pairing = await startCliPairing(fx);
    const decide = await consentRequest();
    for (let i = 1; i <= 4; i++) {
      const outcome = await decide('approve', WRONG);
      expect(outcome.kind === 'retry' && outcome.view.attemptsLeft).toBe(5 - i);
    }
    expect(await pageReason(decide('approve', WRONG))).toBe('request_locked');
    expect(await pageReason(decide('approve', pairing.user_code))).toBe('request_locked');
    expect(await fx.store.listAudit({ kinds: ['pairing_failed'] })).toHaveLength(5);
    const [locked] = await fx.store.listAudit({ kinds: ['pairing_locked'] });
    expect(locked?.detail.lockedBy).toBe('request');
    // The pairing itself is still pending: a fresh request from the owner can use it.
    expect(
      (
        await (
          await consentRequest({ address: '198.51.100.1', userAgent: null })
        )('approve', pairing.user_code)
      ).kind,
    ).toBe('redirect');
  });

  /** `n` wrong codes from one address, over as many requests as it takes (4 per request keeps each alive). */
  async function wrongCodes(n: number, meta = META) {
    let decide = await consentRequest(meta);
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % 4 === 0) decide = await consentRequest(meta);
      expect((await decide('approve', WRONG)).kind).toBe('retry');
    }
  }

  it('limits wrong codes per client address across requests', async () => {
    const pairing = await startCliPairing(fx);
    await wrongCodes(10);
    expect(await pageReason((await consentRequest())('approve', pairing.user_code))).toBe('address_locked');
    const [locked] = await fx.store.listAudit({ kinds: ['pairing_locked'] });
    expect(locked?.detail.lockedBy).toBe('address');
    // Another address is not affected.
    const other = await consentRequest({ address: '198.51.100.1', userAgent: null });
    expect((await other('approve', pairing.user_code)).kind).toBe('redirect');
  });

  it('lifts the address limit after its 15-minute window', async () => {
    await wrongCodes(10);
    fx.advance(15 * 60 * 1000 - 1);
    const early = await startCliPairing(fx);
    expect(await pageReason((await consentRequest())('approve', early.user_code))).toBe('address_locked');
    fx.advance(1);
    expect((await (await consentRequest())('approve', early.user_code)).kind).toBe('redirect');
  });

  it("refuses a third-party device's pairing code for an Alexa link", async () => {
    const device = await deviceAuthorization(
      { body: { client_id: DEVICE_ID, client_secret: fx.secrets.device } },
      fx.deps,
      META,
    );
    const outcome = await (await consentRequest())('approve', device.user_code);
    expect(outcome.kind === 'retry' && outcome.problem).toBe('wrong_code');
  });

  it('refuses an expired pairing code', async () => {
    const pairing = await startCliPairing(fx);
    fx.advance(pairing.expires_in * 1000);
    const outcome = await (await consentRequest())('approve', pairing.user_code);
    expect(outcome.kind === 'retry' && outcome.problem).toBe('wrong_code');
  });

  it('refuses a cancelled pairing code', async () => {
    const pairing = await startCliPairing(fx);
    await revoke(
      { body: { client_id: CLI_CLIENT_ID, client_secret: fx.secrets.cli, token: pairing.device_code } },
      fx.deps,
      META,
    );
    const outcome = await (await consentRequest())('approve', pairing.user_code);
    expect(outcome.kind === 'retry' && outcome.problem).toBe('wrong_code');
  });

  it('refuses an expired consent request', async () => {
    const decide = await consentRequest();
    fx.advance(10 * 60 * 1000);
    const pairing = await startCliPairing(fx);
    expect(await pageReason(decide('approve', pairing.user_code))).toBe('request_expired');
  });
});
