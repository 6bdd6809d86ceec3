/**
 * Refresh-token rotation as Alexa meets it (DESIGN.md "Refresh", RFC 9700
 * §4.14.2), over real HTTP against the real listener on the real clock:
 *
 * - a client that never stores rotated tokens keeps working on its first one;
 * - a client that stored the new token, whose old one is then presented
 *   again after the grace window (theft), loses the whole family, and the
 *   event is audited. Within the grace window the same presentation is a
 *   retried request and is answered.
 *
 * The grace window's edges and the pruning arithmetic are tested with a fake
 * clock in test/oauth/refresh-token.test.ts; here the window is waited out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/crypto/token-hash.js';
import { MAX_UNCONFIRMED_REFRESH_TOKENS, REFRESH_GRACE_S } from '../../src/oauth/policy.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { expectCleanLogs } from './support/expect.js';
import {
  AlexaClient,
  discover,
  expectTokenResponse,
  linkAlexa,
  musicAssistant,
  type oauth,
  oauthError,
} from './support/oauth-peers.js';
import { closePeers } from './support/peer.js';
import { withDatabase, withStore } from './support/store.js';

let install: Install;
let listener: Listener;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  install = await createTestInstall();
  listener = await startListener(install);
  as = await discover(install);
});
afterAll(async () => {
  await closePeers();
  await listener?.stop();
  if (listener) expectCleanLogs(listener.logs());
});

function grantOf(token: string): string {
  return withDatabase(install, (db) => {
    const row = db
      .prepare('SELECT grant_id FROM tokens WHERE hash = ?')
      .get(Buffer.from(tokenHash(token), 'hex'));
    if (!row) throw new Error('token not in the store');
    return row.grant_id as string;
  });
}

function liveRefreshTokens(grantId: string): number {
  return withDatabase(install, (db) => {
    const row = db
      .prepare(
        `SELECT count(*) AS n FROM tokens WHERE grant_id = ? AND kind = 'refresh'
           AND revoked_at IS NULL AND superseded_at IS NULL`,
      )
      .get(grantId);
    return row?.n as number;
  });
}

const reuseEvents = () => withStore(install, (s) => s.listAudit({ kinds: ['refresh_reuse_detected'] }));

describe('refresh rotation over HTTP', () => {
  it('keeps a client that ignores rotated refresh tokens working on its first one', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const ma = musicAssistant(as, install);
    const linked = await linkAlexa(alexa);
    const grantId = grantOf(linked.refreshToken);
    const issued = new Set([linked.refreshToken]);

    for (let i = 0; i < MAX_UNCONFIRMED_REFRESH_TOKENS + 2; i++) {
      const refreshed = await alexa.refresh(linked.refreshToken);
      expectTokenResponse(refreshed);
      const rotated = refreshed.tokens.refresh_token as string;
      expect(issued.has(rotated)).toBe(false); // a new one every time, which this client drops
      issued.add(rotated);
      expect(await ma.introspect(refreshed.tokens.access_token)).toMatchObject({ active: true });
    }
    expect(await ma.introspect(linked.refreshToken)).toMatchObject({ active: true });
    // The family does not grow without bound: the head and the newest unconfirmed tokens.
    expect(liveRefreshTokens(grantId)).toBe(1 + MAX_UNCONFIRMED_REFRESH_TOKENS);
    expect((await reuseEvents()).filter((e) => e.grantId === grantId)).toEqual([]);
  });

  it('revokes the whole family when a retired token comes back after the grace window, and audits it', async () => {
    // The wait below is the window itself; keep it short enough for a test.
    expect(REFRESH_GRACE_S).toBeLessThanOrEqual(10);
    const alexa = new AlexaClient(as, install, 'post');
    const ma = musicAssistant(as, install);
    const linked = await linkAlexa(alexa, { pkce: true });
    const grantId = grantOf(linked.refreshToken);

    const first = await alexa.refresh(linked.refreshToken);
    const stored = first.tokens.refresh_token as string;
    // The client stored the new token and uses it: the first one retires now.
    const second = await alexa.refresh(stored);
    expectTokenResponse(second);
    const retiredBy = Date.now();

    // Presented again at once, the old token is a retried request (its answer was lost), not theft.
    const retried = await alexa.refresh(linked.refreshToken);
    expectTokenResponse(retried);
    expect(await reuseEvents()).toEqual([]);

    await sleep(retiredBy + REFRESH_GRACE_S * 1000 + 1000 - Date.now());
    expect(await oauthError(alexa.refresh(linked.refreshToken))).toEqual({
      status: 400,
      error: 'invalid_grant',
    });

    // Everything of the family is dead: the newest refresh token and every access token.
    expect(await oauthError(alexa.refresh(second.tokens.refresh_token as string))).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    expect(await oauthError(alexa.refresh(retried.tokens.refresh_token as string))).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    for (const token of [
      linked.accessToken,
      first.tokens.access_token,
      second.tokens.access_token,
      retried.tokens.access_token,
    ]) {
      expect(await ma.introspect(token)).toEqual({ active: false });
    }
    const grant = await withStore(install, (s) => s.getGrant(grantId));
    expect(grant?.revokedAt).not.toBeNull();
    const events = await reuseEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'refresh_reuse_detected',
      severity: 'critical',
      clientId: install.alexa.clientId,
      grantId,
    });
  });
});
