/**
 * The three clients every install has (DESIGN.md "init"):
 *
 * - the Alexa skill: confidential, authorization-code + refresh grants, exact redirect URIs;
 * - `ma-auth-cli`: the CLI's own confidential device client. Its secret is derived
 *   from the data key with HKDF, so only the key holder can create pairings and
 *   the secret is never stored anywhere;
 * - `music-assistant`: the resource server, allowed only to introspect tokens.
 */
import { hkdf } from '../crypto/hkdf.js';
import { derivedOnce } from '../crypto/per-key.js';
import { TOKEN_PREFIXES } from '../crypto/random-token.js';
import type { DataKey } from '../keys/data-key.js';
import type { NewClient } from '../store/types.js';
import { ALEXA_SCOPES } from './scopes.js';

export const CLI_CLIENT_ID = 'ma-auth-cli';
export const MUSIC_ASSISTANT_CLIENT_ID = 'music-assistant';
export const DEFAULT_ALEXA_CLIENT_ID = 'amazon-alexa';

export const GRANT_TYPES = {
  authorizationCode: 'authorization_code',
  refreshToken: 'refresh_token',
  deviceCode: 'urn:ietf:params:oauth:grant-type:device_code',
} as const;

export function alexaClient(id: string, redirectUris: readonly string[], secretHash: string): NewClient {
  return {
    id,
    name: 'Alexa skill',
    role: 'alexa',
    type: 'confidential',
    secretHash,
    redirectUris,
    grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
    scopes: ALEXA_SCOPES,
    requirePkce: false,
  };
}

export function cliClient(): NewClient {
  return {
    id: CLI_CLIENT_ID,
    name: 'ma-auth command line',
    role: 'cli',
    type: 'confidential',
    secretHash: null,
    redirectUris: [],
    grantTypes: [GRANT_TYPES.deviceCode],
    scopes: ALEXA_SCOPES,
    requirePkce: false,
  };
}

export function musicAssistantClient(secretHash: string): NewClient {
  return {
    id: MUSIC_ASSISTANT_CLIENT_ID,
    name: 'Music Assistant',
    role: 'introspection',
    type: 'confidential',
    secretHash,
    redirectUris: [],
    grantTypes: [],
    scopes: [],
    requirePkce: false,
  };
}

/**
 * The CLI client's secret: HKDF-SHA256(data key, info "ma-auth/cli-client-secret"),
 * derived once per key (the CLI authenticates on every pairing and poll).
 */
export function cliClientSecret(key: DataKey): string {
  return derivedOnce(
    key,
    'cli-client-secret',
    () => TOKEN_PREFIXES.clientSecret + hkdf(key.bytes, 'ma-auth/cli-client-secret').toString('base64url'),
  );
}
