/**
 * Token revocation (POST /oauth/revoke, RFC 7009). The client that owns a
 * token may revoke it: an access token alone, a refresh token with its whole
 * family (RFC 7009 §2.1 permits, RFC 9700 encourages), a device code to cancel
 * its pending pairing. Unknown tokens, and tokens of other clients, get the
 * same success answer (RFC 7009 §2.2), so nothing is learned by probing.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
import { tokenHash } from '../crypto/token-hash.js';
import { audit } from './audit.js';
import { authenticateClient, type ClientRequest } from './client-auth.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { cancelDeviceAuthorization } from './device-authorization.js';
import { InvalidRequest, UnauthorizedClient } from './errors.js';
import { param } from './params.js';
import { mayUseEndpoint } from './roles.js';

export async function revoke(request: ClientRequest, deps: OAuthDeps, meta: RequestMeta): Promise<void> {
  const { client } = await authenticateClient(request, deps, meta);
  if (!mayUseEndpoint(client, 'revoke')) throw new UnauthorizedClient('this client may not revoke tokens');
  const presented = param(request.body, 'token');
  if (!presented) throw new InvalidRequest('token is missing');
  // token_type_hint is ignored: every kind is looked up anyway (RFC 7009 §2.1).
  const found = await deps.store.findToken(tokenHash(presented));
  if (!found) {
    await cancelDeviceAuthorization(deps, { clientId: client.id, deviceCode: presented });
    return;
  }
  if (found.grant.clientId !== client.id) return;
  if (found.token.kind === 'access') {
    await deps.store.revokeToken(found.token.hash, deps.now());
    return;
  }
  if (await deps.store.revokeGrant(found.grant.id, deps.now(), 'revoked_by_client')) {
    await audit(deps, {
      kind: 'grant_revoked',
      severity: 'info',
      clientId: client.id,
      grantId: found.grant.id,
      meta,
      detail: { by: 'client' },
    });
  }
}
