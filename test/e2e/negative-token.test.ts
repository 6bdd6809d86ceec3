/**
 * Refusals at the token endpoint against a real listener, with raw HTTP where
 * a well-behaved library would not send the request at all. Each is a clear
 * 4xx with the RFC 6749 §5.2 error code, never a 5xx, and leaves the store as
 * it was (a logical dump of every table; the audit trail checked by kind) —
 * except a replayed authorization code, which by design revokes what the code
 * issued: that test checks that exactly that changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/crypto/token-hash.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { expectCleanLogs, expectOAuthError } from './support/expect.js';
import {
  AlexaClient,
  type Approved,
  authorizeAndApprove,
  discover,
  expectTokenResponse,
  musicAssistant,
  oauth,
  SCOPE,
} from './support/oauth-peers.js';
import { basic, closePeers, newPeer, type Peer, postForm } from './support/peer.js';
import { changedTables, cliSecret, dumpStore, expectStoreUnchanged, newAuditKinds } from './support/store.js';

let install: Install;
let listener: Listener;
let as: oauth.AuthorizationServer;
/** Codes issued on the consent page, not yet exchanged: with a PKCE challenge and without. */
let withPkce: Approved;
let withoutPkce: Approved;

beforeAll(async () => {
  install = await createTestInstall();
  listener = await startListener(install);
  as = await discover(install);
  withPkce = await authorizeAndApprove(new AlexaClient(as, install, 'basic'), { pkce: true });
  withoutPkce = await authorizeAndApprove(new AlexaClient(as, install, 'basic'));
});
afterAll(async () => {
  await closePeers();
  await listener?.stop();
  if (listener) expectCleanLogs(listener.logs());
});

type Fields = [string, string][];

const tokenUrl = () => `${install.baseUrl}/alexa/token`;
const alexaBasic = () => ({ authorization: basic(install.alexa.clientId, install.alexa.clientSecret) });

/** A code exchange as Alexa would send it, with Basic; `change` edits the fields. */
function exchangeFields(approved: Approved, change: (f: Fields) => Fields = (f) => f): Fields {
  const fields: Fields = [
    ['grant_type', 'authorization_code'],
    ['code', approved.code],
    ['redirect_uri', install.alexa.redirectUri],
  ];
  if (approved.verifier) fields.push(['code_verifier', approved.verifier]);
  return change(fields);
}

const without = (name: string) => (f: Fields) => f.filter(([k]) => k !== name);
const replace = (name: string, value: string) => (f: Fields) =>
  f.map(([k, v]): [string, string] => [k, k === name ? value : v]);
const plus = (name: string, value: string) => (f: Fields) => [...f, [name, value] as [string, string]];

/** Sends, expects the refusal, and expects the store untouched (bar the named audit events). */
async function refused(
  peer: Peer,
  request: { fields: Fields | string; headers?: Record<string, string> },
  expected: { status: number; error: string; audited?: string[] },
) {
  const before = dumpStore(install);
  const res = await postForm(peer, tokenUrl(), request.fields, request.headers);
  expectOAuthError(res, expected.status, expected.error);
  expectStoreUnchanged(before, dumpStore(install), expected.audited ?? []);
  return res;
}

describe('token endpoint refusals change nothing', () => {
  it('refuses a missing or unsupported grant_type before authenticating anyone', async () => {
    const peer = newPeer();
    await refused(
      peer,
      { fields: exchangeFields(withPkce, without('grant_type')), headers: alexaBasic() },
      {
        status: 400,
        error: 'invalid_request',
      },
    );
    for (const grant of ['password', 'client_credentials', 'implicit', 'urn:example:unknown']) {
      await refused(
        peer,
        { fields: exchangeFields(withPkce, replace('grant_type', grant)), headers: alexaBasic() },
        { status: 400, error: 'unsupported_grant_type' },
      );
    }
  });

  it('refuses missing and duplicated parameters (RFC 6749 §3.1)', async () => {
    const peer = newPeer();
    const headers = alexaBasic();
    await refused(
      peer,
      { fields: exchangeFields(withPkce, without('code')), headers },
      {
        status: 400,
        error: 'invalid_request',
      },
    );
    for (const name of ['code', 'grant_type', 'redirect_uri', 'code_verifier']) {
      const fields = exchangeFields(withPkce);
      const dup = fields.find(([k]) => k === name) as [string, string];
      await refused(peer, { fields: [...fields, dup], headers }, { status: 400, error: 'invalid_request' });
    }
    // The same name twice with different values: which one was meant is unknowable.
    await refused(
      peer,
      { fields: exchangeFields(withPkce, plus('code', 'maa_ac_other')), headers },
      {
        status: 400,
        error: 'invalid_request',
      },
    );
  });

  it('refuses a wrong client secret: 401 with WWW-Authenticate for Basic, audited', async () => {
    const peer = newPeer();
    const res = await refused(
      peer,
      {
        fields: exchangeFields(withPkce),
        headers: { authorization: basic(install.alexa.clientId, 'maa_cs_wrong') },
      },
      { status: 401, error: 'invalid_client', audited: ['client_auth_failed'] },
    );
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="ma-auth"/);
    // In the body: 400 (RFC 6749 §5.2 asks for 401 only when the client used the Authorization header).
    await refused(
      peer,
      {
        fields: exchangeFields(withPkce, (f) => [
          ...f,
          ['client_id', install.alexa.clientId],
          ['client_secret', 'maa_cs_wrong'],
        ]),
      },
      { status: 400, error: 'invalid_client', audited: ['client_auth_failed'] },
    );
    // Unknown client, and no credentials at all.
    await refused(
      peer,
      {
        fields: exchangeFields(withPkce),
        headers: { authorization: basic('evil', install.alexa.clientSecret) },
      },
      { status: 401, error: 'invalid_client', audited: ['client_auth_failed'] },
    );
    await refused(
      peer,
      { fields: exchangeFields(withPkce) },
      {
        status: 400,
        error: 'invalid_client',
        audited: ['client_auth_failed'],
      },
    );
    await refused(
      peer,
      { fields: exchangeFields(withPkce), headers: { authorization: 'Basic not-base64!' } },
      { status: 401, error: 'invalid_client' },
    );
  });

  it('refuses HTTP Basic and body credentials together (RFC 6749 §2.3)', async () => {
    const peer = newPeer();
    const both = exchangeFields(withPkce, (f) => [
      ...f,
      ['client_id', install.alexa.clientId],
      ['client_secret', install.alexa.clientSecret],
    ]);
    await refused(peer, { fields: both, headers: alexaBasic() }, { status: 400, error: 'invalid_request' });
    // A body client_id naming someone else than the Basic client.
    await refused(
      peer,
      {
        fields: exchangeFields(withPkce, plus('client_id', install.musicAssistant.clientId)),
        headers: alexaBasic(),
      },
      { status: 400, error: 'invalid_request' },
    );
  });

  it('refuses a wrong, missing or malformed PKCE verifier, and a verifier without a challenge', async () => {
    const peer = newPeer();
    const headers = alexaBasic();
    const wrong = oauth.generateRandomCodeVerifier();
    await refused(
      peer,
      { fields: exchangeFields(withPkce, replace('code_verifier', wrong)), headers },
      {
        status: 400,
        error: 'invalid_grant',
      },
    );
    await refused(
      peer,
      { fields: exchangeFields(withPkce, without('code_verifier')), headers },
      {
        status: 400,
        error: 'invalid_grant',
      },
    );
    // Not 43-128 unreserved characters (RFC 7636 §4.1): malformed, not merely wrong.
    await refused(
      peer,
      { fields: exchangeFields(withPkce, replace('code_verifier', 'short')), headers },
      {
        status: 400,
        error: 'invalid_request',
      },
    );
    // The challenge is the S256 of the verifier, not the verifier itself (no `plain` fallback).
    const challenge = await oauth.calculatePKCECodeChallenge(withPkce.verifier as string);
    await refused(
      peer,
      { fields: exchangeFields(withPkce, replace('code_verifier', challenge)), headers },
      {
        status: 400,
        error: 'invalid_grant',
      },
    );
    // Downgrade: a verifier for a code whose request carried no challenge.
    await refused(
      peer,
      { fields: exchangeFields(withoutPkce, plus('code_verifier', wrong)), headers },
      {
        status: 400,
        error: 'invalid_grant',
      },
    );
  });

  it('refuses a different redirect_uri and an unknown code', async () => {
    const peer = newPeer();
    const headers = alexaBasic();
    await refused(
      peer,
      { fields: exchangeFields(withPkce, replace('redirect_uri', 'https://evil.example/cb')), headers },
      { status: 400, error: 'invalid_grant' },
    );
    await refused(
      peer,
      { fields: exchangeFields(withPkce, replace('redirect_uri', `${install.alexa.redirectUri}/`)), headers },
      { status: 400, error: 'invalid_grant' },
    );
    await refused(
      peer,
      { fields: exchangeFields(withPkce, replace('code', `maa_ac_${'A'.repeat(43)}`)), headers },
      {
        status: 400,
        error: 'invalid_grant',
      },
    );
  });

  it('refuses clients that may not use the grant', async () => {
    const peer = newPeer();
    await refused(
      peer,
      {
        fields: exchangeFields(withPkce),
        headers: {
          authorization: basic(install.musicAssistant.clientId, install.musicAssistant.clientSecret),
        },
      },
      { status: 400, error: 'unauthorized_client' },
    );
    await refused(
      peer,
      {
        fields: exchangeFields(withPkce),
        headers: { authorization: basic('ma-auth-cli', await cliSecret(install)) },
      },
      { status: 400, error: 'unauthorized_client' },
    );
  });

  it('refuses bodies that are not a form, and oversized ones with 413', async () => {
    const peer = newPeer();
    const headers = alexaBasic();
    await refused(
      peer,
      {
        fields: JSON.stringify({ grant_type: 'authorization_code', code: withPkce.code }),
        headers: { ...headers, 'content-type': 'application/json' },
      },
      { status: 400, error: 'invalid_request' },
    );
    const big = `${new URLSearchParams(exchangeFields(withPkce)).toString()}&pad=${'x'.repeat(20_000)}`;
    await refused(peer, { fields: big, headers }, { status: 413, error: 'invalid_request' });
  });

  it('burnt nothing: the codes the refused requests named still exchange', async () => {
    // Basic with the same client_id repeated in the body is one method, not two (RFC 6749 §4.1.3).
    const res = await postForm(
      newPeer(),
      tokenUrl(),
      exchangeFields(withPkce, plus('client_id', install.alexa.clientId)),
      alexaBasic(),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', scope: SCOPE, expires_in: 3600 });
    const post = new AlexaClient(as, install, 'post');
    expectTokenResponse(await post.exchangeCode(withoutPkce.callback, oauth.nopkce));
  });
});

describe('refresh refusals change nothing', () => {
  it('refuses missing, unknown, wrong-kind, up-scoped and foreign refresh tokens', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const approved = await authorizeAndApprove(alexa);
    const linked = await alexa.exchangeCode(approved.callback, oauth.nopkce);
    const refresh = linked.tokens.refresh_token as string;
    const peer = newPeer();
    const headers = alexaBasic();
    await refused(
      peer,
      { fields: [['grant_type', 'refresh_token']], headers },
      {
        status: 400,
        error: 'invalid_request',
      },
    );
    await refused(
      peer,
      {
        fields: [
          ['grant_type', 'refresh_token'],
          ['refresh_token', `maa_rt_${'A'.repeat(43)}`],
        ],
        headers,
      },
      { status: 400, error: 'invalid_grant' },
    );
    await refused(
      peer,
      {
        fields: [
          ['grant_type', 'refresh_token'],
          ['refresh_token', linked.tokens.access_token],
        ],
        headers,
      },
      { status: 400, error: 'invalid_grant' },
    );
    await refused(
      peer,
      {
        fields: [
          ['grant_type', 'refresh_token'],
          ['refresh_token', refresh],
          ['scope', `${SCOPE} admin`],
        ],
        headers,
      },
      { status: 400, error: 'invalid_scope' },
    );
    await refused(
      peer,
      {
        fields: [
          ['grant_type', 'refresh_token'],
          ['refresh_token', refresh],
        ],
        headers: {
          authorization: basic(install.musicAssistant.clientId, install.musicAssistant.clientSecret),
        },
      },
      { status: 400, error: 'unauthorized_client' },
    );
    // After all that, the token still works.
    expectTokenResponse(await alexa.refresh(refresh));
  });
});

describe('a replayed authorization code', () => {
  it('is refused, and revokes exactly what its first exchange issued', async () => {
    const alexa = new AlexaClient(as, install, 'basic');
    const approved = await authorizeAndApprove(alexa, { pkce: true });
    const first = await alexa.exchangeCode(approved.callback, approved.verifier as string);
    expectTokenResponse(first);
    const issued = [first.tokens.access_token, first.tokens.refresh_token as string].map(tokenHash);
    const grantId = dumpStore(install).tables.tokens?.find((t) => t.hash === issued[0])?.grant_id;
    expect(grantId).toBeDefined();

    const before = dumpStore(install);
    const res = await postForm(newPeer(), tokenUrl(), exchangeFields(approved), alexaBasic());
    expectOAuthError(res, 400, 'invalid_grant');
    const after = dumpStore(install);

    // Only the grant and its tokens changed, and only by being revoked.
    expect(changedTables(before, after).sort()).toEqual(['grants', 'tokens']);
    const unrevoked = (
      rows: readonly Record<string, unknown>[] | undefined,
      ofGrant: (r: Record<string, unknown>) => boolean,
    ) => (rows ?? []).map((r) => (ofGrant(r) ? { ...r, revoked_at: null, revoked_reason: null } : r));
    expect(unrevoked(after.tables.grants, (g) => g.id === grantId)).toEqual(
      unrevoked(before.tables.grants, (g) => g.id === grantId),
    );
    expect(unrevoked(after.tables.tokens, (t) => t.grant_id === grantId)).toEqual(
      unrevoked(before.tables.tokens, (t) => t.grant_id === grantId),
    );
    const grant = after.tables.grants?.find((g) => g.id === grantId);
    expect(grant?.revoked_at).not.toBeNull();
    expect(grant?.revoked_reason).toBe('code_replayed');
    const tokens = after.tables.tokens?.filter((t) => t.grant_id === grantId) ?? [];
    expect(tokens.map((t) => t.hash).sort()).toEqual([...issued].sort());
    for (const t of tokens) expect(t.revoked_at).not.toBeNull();
    expect(newAuditKinds(before, after)).toEqual(['code_replayed']);

    // And over the wire: the tokens of the first exchange are dead.
    expect(await musicAssistant(as, install).introspect(first.tokens.access_token)).toEqual({
      active: false,
    });
    const again = await postForm(
      newPeer(),
      tokenUrl(),
      [
        ['grant_type', 'refresh_token'],
        ['refresh_token', first.tokens.refresh_token as string],
      ],
      alexaBasic(),
    );
    expectOAuthError(again, 400, 'invalid_grant');
  });

  it('redeemed twice at once: one exchange wins, and its tokens are revoked by the other', async () => {
    const approved = await authorizeAndApprove(new AlexaClient(as, install, 'basic'), { pkce: true });
    const results = await Promise.all(
      [newPeer(), newPeer()].map((peer) =>
        postForm(peer, tokenUrl(), exchangeFields(approved), alexaBasic()),
      ),
    );
    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status !== 200);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expectOAuthError(lost[0] as (typeof results)[number], 400, 'invalid_grant');
    const tokens = won[0]?.json as { access_token: string; refresh_token: string };
    expect(await musicAssistant(as, install).introspect(tokens.access_token)).toEqual({ active: false });
  });
});
