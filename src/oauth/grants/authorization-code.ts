/**
 * Authorization code grant (RFC 6749 §4.1.3): the Alexa cloud exchanges the
 * code from the consent redirect for an access and a refresh token.
 *
 * Codes are single use. A second redemption means the code leaked: the grant
 * the first one created is revoked with all its tokens (RFC 6749 §4.1.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
import { sha256Hex } from '../../crypto/hash.js';
import { randomId } from '../../crypto/random-token.js';
import type { AuthorizationCodeRecord, ClientRecord } from '../../store/types.js';
import { audit } from '../audit.js';
import { GRANT_TYPES } from '../builtin-clients.js';
import type { OAuthDeps, RequestMeta } from '../context.js';
import { InvalidGrant, InvalidRequest } from '../errors.js';
import { mintTokens, tokenResponse } from '../issue.js';
import { type Params, param } from '../params.js';
import { isValidCodeVerifier, verifyCodeVerifier } from '../pkce.js';
import type { GrantModule } from './grant-handler.js';

async function handler(client: ClientRecord, body: Params, deps: OAuthDeps, meta: RequestMeta) {
  const codeText = param(body, 'code');
  if (!codeText) throw new InvalidRequest('code is missing');
  const codeHash = sha256Hex(codeText);
  const code = await deps.store.getAuthorizationCode(codeHash);
  const now = deps.now();
  if (!code || code.clientId !== client.id) throw new InvalidGrant('authorization code is invalid');
  if (code.consumedAt !== null) return replayed(code.grantId, client, deps, meta);
  if (now >= code.expiresAt) throw new InvalidGrant('authorization code has expired');
  checkRedirectUri(code, client, param(body, 'redirect_uri'));
  checkVerifier(code, param(body, 'code_verifier'));

  const pair = mintTokens({
    now,
    accessTtlS: deps.settings.accessTokenTtl,
    accessScope: code.scope,
    refresh: { scope: code.scope, idleTtlS: deps.settings.refreshIdleTtl },
  });
  const result = await deps.store.redeemAuthorizationCode({
    codeHash,
    clientId: client.id,
    now,
    grant: {
      id: randomId(),
      clientId: client.id,
      ownerId: code.ownerId,
      scope: code.scope,
      origin: 'authorization_code',
    },
    tokens: pair.records,
  });
  switch (result.outcome) {
    case 'issued':
      return tokenResponse(pair, code.scope);
    case 'replayed': // a concurrent redemption won the race
      return replayed(result.grantId, client, deps, meta);
    case 'expired':
      throw new InvalidGrant('authorization code has expired');
    case 'not_found':
      throw new InvalidGrant('authorization code is invalid');
  }
}

/**
 * RFC 6749 §4.1.3: redirect_uri must be identical to the authorization
 * request's. Omitted, it is accepted only when the client has exactly one
 * registered — the same rule that let the authorization request omit it.
 */
function checkRedirectUri(code: AuthorizationCodeRecord, client: ClientRecord, given: string | undefined) {
  const ok =
    given === undefined
      ? client.redirectUris.length === 1 && client.redirectUris[0] === code.redirectUri
      : given === code.redirectUri;
  if (!ok) throw new InvalidGrant('redirect_uri does not match the authorization request');
}

/**
 * A verifier is required exactly when a challenge was sent. One sent without a
 * challenge is refused too (RFC 9700 §2.1.1): it signals a PKCE downgrade.
 */
function checkVerifier(code: AuthorizationCodeRecord, verifier: string | undefined) {
  if (code.codeChallenge === null) {
    if (verifier !== undefined) throw new InvalidGrant('code_verifier sent, but no code_challenge was');
    return;
  }
  if (verifier === undefined) throw new InvalidGrant('code_verifier is required');
  if (!isValidCodeVerifier(verifier)) throw new InvalidRequest('code_verifier is malformed');
  if (!verifyCodeVerifier(code.codeChallenge, verifier))
    throw new InvalidGrant('code_verifier does not match');
}

async function replayed(
  grantId: string | null,
  client: ClientRecord,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<never> {
  if (grantId) await deps.store.revokeGrant(grantId, deps.now(), 'code_replayed');
  await audit(deps, { kind: 'code_replayed', severity: 'critical', clientId: client.id, grantId, meta });
  throw new InvalidGrant('authorization code was already used; the tokens it issued are revoked');
}

export const authorizationCodeGrant: GrantModule = {
  grantType: GRANT_TYPES.authorizationCode,
  parameters: ['code', 'redirect_uri', 'code_verifier'],
  handler,
};
