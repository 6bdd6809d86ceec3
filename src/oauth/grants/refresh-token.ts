/**
 * Refresh token grant (RFC 6749 §6) with rotation and reuse detection as
 * DESIGN.md "Refresh" describes; the state machine is in
 * src/store/sqlite/rotation.ts, the policy here.
 *
 * - Every refresh returns a new refresh token and `expires_in`.
 * - The previous token keeps working until the client presents the new one,
 *   so a client that never stores rotated tokens keeps working on the old one.
 * - Once a newer token was used, an older one outside REFRESH_GRACE_S revokes
 *   the whole family and is audited as critical.
 * - Strict rotation (public and device clients): the old token dies on rotation.
 * - Refresh tokens expire after `refreshIdleTtl` without use, not at a fixed age.
 * - The access token may be down-scoped; the refresh token keeps the grant's
 *   scope (RFC 6749 §6). Up-scoping is `invalid_scope`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { issuedToken } from '../../crypto/random-token.js';
import { tokenHash } from '../../crypto/token-hash.js';
import type { ClientRecord } from '../../store/types.js';
import { audit } from '../audit.js';
import { GRANT_TYPES } from '../builtin-clients.js';
import type { OAuthDeps, RequestMeta } from '../context.js';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../errors.js';
import { emit } from '../events.js';
import type { TokenResponse } from '../issue.js';
import { type Params, param } from '../params.js';
import { MAX_UNCONFIRMED_REFRESH_TOKENS, REFRESH_GRACE_S } from '../policy.js';
import { usesStrictRotation } from '../roles.js';
import { formatScope, parseScope } from '../scopes.js';
import type { GrantModule } from './grant-handler.js';

async function handler(
  client: ClientRecord,
  body: Params,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<TokenResponse> {
  const presented = param(body, 'refresh_token');
  if (!presented) throw new InvalidRequest('refresh_token is missing');
  const presentedHash = tokenHash(presented);
  // Without `scope` (Alexa never sends one) the grant's scope is used, decided
  // inside the rotation's transaction; only a down-scoping request reads the
  // grant first.
  const requested = param(body, 'scope');
  let accessScope: string | null = null;
  if (requested !== undefined) {
    const found = await deps.store.findToken(presentedHash);
    if (found?.token.kind !== 'refresh' || found.grant.clientId !== client.id) {
      emit(deps, { kind: 'refresh', outcome: 'rejected' });
      throw new InvalidGrant('refresh token is invalid');
    }
    accessScope = downScope(found.grant.scope, requested);
  }

  const now = deps.now();
  const accessToken = issuedToken('accessToken', now);
  const refreshToken = issuedToken('refreshToken', now);
  const { accessTokenTtl, refreshIdleTtl } = deps.settings;
  const result = await deps.store.rotateRefreshToken({
    presentedHash,
    clientId: client.id,
    now,
    refreshHash: tokenHash(refreshToken),
    accessHash: tokenHash(accessToken),
    accessScope,
    accessExpiresAt: now + accessTokenTtl * 1000,
    refreshIdleMs: refreshIdleTtl * 1000,
    graceMs: REFRESH_GRACE_S * 1000,
    strict: usesStrictRotation(client),
    maxUnconfirmed: MAX_UNCONFIRMED_REFRESH_TOKENS,
  });
  if (result.outcome !== 'reuse') {
    emit(deps, {
      kind: 'refresh',
      outcome: result.outcome !== 'rotated' ? 'rejected' : result.via === 'confirmed' ? 'rotated' : 'ok',
    });
  }
  switch (result.outcome) {
    case 'rotated':
      if (result.via !== 'confirmed') {
        // Not an attack, but worth seeing: a client that keeps presenting an old
        // token is not storing rotated ones (or retried a request).
        await audit(deps, {
          kind: 'refresh_old_token',
          severity: 'info',
          clientId: client.id,
          grantId: result.grant.id,
          meta,
          detail: { via: result.via },
        });
      }
      return {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: accessTokenTtl,
        refresh_token: refreshToken,
        scope: accessScope ?? result.grant.scope,
      };
    case 'not_found':
      throw new InvalidGrant('refresh token is invalid');
    case 'revoked':
      throw new InvalidGrant('refresh token has been revoked');
    case 'expired':
      throw new InvalidGrant('refresh token has expired');
    case 'reuse':
      await deps.store.revokeGrant(result.grantId, now, 'refresh_reuse');
      await audit(deps, {
        kind: 'refresh_reuse_detected',
        severity: 'critical',
        clientId: client.id,
        grantId: result.grantId,
        meta,
        detail: { generation: result.generation, retiredAt: result.supersededAt },
      });
      emit(deps, { kind: 'refresh', outcome: 'reuse_detected' });
      throw new InvalidGrant('refresh token was already rotated; the grant has been revoked');
  }
}

/** RFC 6749 §6: the requested scope must not include any scope not originally granted. */
function downScope(granted: string, requested: string): string {
  const grantedScopes = parseScope(granted) ?? [];
  const scopes = parseScope(requested);
  if (!scopes || scopes.length === 0 || !scopes.every((s) => grantedScopes.includes(s))) {
    throw new InvalidScope('the requested scope exceeds the original grant');
  }
  return formatScope(scopes);
}

export const refreshTokenGrant: GrantModule = {
  grantType: GRANT_TYPES.refreshToken,
  parameters: ['refresh_token', 'scope'],
  handler,
};
