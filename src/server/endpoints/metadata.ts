/**
 * GET /.well-known/oauth-authorization-server: RFC 8414 metadata. Lists only
 * what the listener does: every endpoint named here is in routes.ts (a test
 * checks), only S256 PKCE, only the `code` response type.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
import type { Config } from '../../config/config.js';
import { GRANT_TYPES } from '../../oauth/builtin-clients.js';
import { ALEXA_SCOPES } from '../../oauth/scopes.js';
import type { Handler } from '../context.js';
import { sendJson } from '../http/respond.js';
import { PATHS, publicEndpoint } from '../urls.js';

/** Client authentication the core accepts (Alexa offers exactly these two). */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

export function authorizationServerMetadata(config: Pick<Config, 'publicUrl'>): Record<string, unknown> {
  const url = (path: string) => publicEndpoint(config, path);
  return {
    issuer: config.publicUrl,
    authorization_endpoint: url(PATHS.authorize),
    token_endpoint: url(PATHS.token),
    device_authorization_endpoint: url(PATHS.deviceAuthorization),
    introspection_endpoint: url(PATHS.introspect),
    revocation_endpoint: url(PATHS.revoke),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken, GRANT_TYPES.deviceCode],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    scopes_supported: ALEXA_SCOPES,
  };
}

export const metadata: Handler = async (req, ctx) => {
  // Changes only with the config (and a restart): a short public cache is fine.
  sendJson(req.res, 200, authorizationServerMetadata(ctx.config), { cache: 'public, max-age=300' });
};
