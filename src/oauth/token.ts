/**
 * The token endpoint (POST /alexa/token): grant_type → grant module.
 *
 * Order of checks: the grant type must exist before anything else is looked
 * at; then the client authenticates; then it must be allowed that grant.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import { GRANT_TYPES } from './builtin-clients.js';
import { authenticateClient, type ClientRequest } from './client-auth.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from './errors.js';
import { emit } from './events.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { deviceCodeGrant } from './grants/device-code.js';
import type { GrantModule } from './grants/grant-handler.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import type { TokenResponse } from './issue.js';
import { param } from './params.js';
import { mayUseGrant } from './roles.js';

export const GRANTS: ReadonlyMap<string, GrantModule> = new Map(
  [authorizationCodeGrant, refreshTokenGrant, deviceCodeGrant].map((g) => [g.grantType, g]),
);

export async function token(
  request: ClientRequest,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<TokenResponse> {
  const grantType = param(request.body, 'grant_type');
  if (!grantType) throw new InvalidRequest('grant_type is missing');
  const grant = GRANTS.get(grantType);
  if (!grant) throw new UnsupportedGrantType('this grant_type is not supported');
  const { client } = await authenticateClient(request, deps, meta);
  if (!mayUseGrant(client, grant.grantType)) {
    throw new UnauthorizedClient('this client may not use this grant_type');
  }
  const response = await grant.handler(client, request.body, deps, meta);
  emit(deps, { kind: 'tokens_issued', grant: GRANT_LABELS[grant.grantType] });
  return response;
}

/** Short names for metrics: the device grant's URN is long. */
const GRANT_LABELS = {
  [GRANT_TYPES.authorizationCode]: 'authorization_code',
  [GRANT_TYPES.refreshToken]: 'refresh_token',
  [GRANT_TYPES.deviceCode]: 'device_code',
} as const;
