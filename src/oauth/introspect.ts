/**
 * Token introspection (POST /oauth/introspect, RFC 7662) for the resource
 * server (Music Assistant) only. An inactive token gets `{active: false}` and
 * nothing else (RFC 7662 §2.2): no hint whether it existed, expired or was revoked.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
import { tokenHash } from '../crypto/token-hash.js';
import type { TokenLookup } from '../store/types.js';
import { authenticateClient, type ClientRequest } from './client-auth.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { InvalidRequest, UnauthorizedClient } from './errors.js';
import { emit } from './events.js';
import { param } from './params.js';
import { mayUseEndpoint } from './roles.js';

export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope: string;
      /** The client the token was issued to (the Alexa skill). */
      readonly client_id: string;
      /** `Bearer` for access tokens; `refresh_token` for refresh tokens. */
      readonly token_type: 'Bearer' | 'refresh_token';
      /** Epoch seconds. */
      readonly exp: number;
      readonly iat: number;
      /** The owner the grant belongs to. */
      readonly sub: string;
    };

export async function introspect(
  request: ClientRequest,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<IntrospectionResponse> {
  const { client } = await authenticateClient(request, deps, meta);
  if (!mayUseEndpoint(client, 'introspect'))
    throw new UnauthorizedClient('this client may not introspect tokens');
  const presented = param(request.body, 'token');
  if (!presented) throw new InvalidRequest('token is missing');
  // token_type_hint is optional and only an optimisation (RFC 7662 §2.1): both kinds share one table.
  const found = await deps.store.findToken(tokenHash(presented));
  const active = found !== null && isActive(found, deps.now());
  emit(deps, { kind: 'introspection', active });
  if (!found || !active) return { active: false };
  const { token, grant } = found;
  return {
    active: true,
    scope: token.scope,
    client_id: grant.clientId,
    token_type: token.kind === 'access' ? 'Bearer' : 'refresh_token',
    exp: Math.floor(token.expiresAt / 1000),
    iat: Math.floor(token.createdAt / 1000),
    sub: grant.ownerId,
  };
}

/** Live: not revoked (nor its grant), not expired, and for a refresh token not retired. */
export function isActive({ token, grant }: TokenLookup, now: number): boolean {
  return (
    token.revokedAt === null &&
    grant.revokedAt === null &&
    now < token.expiresAt &&
    token.supersededAt === null
  );
}
