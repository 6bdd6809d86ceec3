/**
 * Which clients may use which endpoint and grant, decided by the client's role
 * (DESIGN.md "init"): one table, so widening access is one visible change.
 * A grant also has to be listed in the client's own `grantTypes`.
 */
import type { ClientRecord, ClientRole } from '../store/types.js';
import { GRANT_TYPES } from './builtin-clients.js';

export type Endpoint = 'authorize' | 'device_authorization' | 'introspect' | 'revoke';
export type GrantType = (typeof GRANT_TYPES)[keyof typeof GRANT_TYPES];

export const GRANT_ROLES: Readonly<Record<GrantType, readonly ClientRole[]>> = {
  // Linking through the consent page is for the Alexa skill.
  [GRANT_TYPES.authorizationCode]: ['alexa'],
  // The CLI's pairing token is short-lived and never refreshed.
  [GRANT_TYPES.refreshToken]: ['alexa', 'device'],
  [GRANT_TYPES.deviceCode]: ['cli', 'device'],
};

export const ENDPOINT_ROLES: Readonly<Record<Endpoint, readonly ClientRole[]>> = {
  authorize: GRANT_ROLES[GRANT_TYPES.authorizationCode],
  device_authorization: GRANT_ROLES[GRANT_TYPES.deviceCode],
  // Only the resource server (Music Assistant) may ask about tokens.
  introspect: ['introspection'],
  // Any client that holds tokens may give them up (RFC 7009).
  revoke: ['alexa', 'cli', 'device'],
};

export function isGrantType(value: string): value is GrantType {
  return (Object.values(GRANT_TYPES) as string[]).includes(value);
}

export function mayUseGrant(client: ClientRecord, grantType: GrantType): boolean {
  return GRANT_ROLES[grantType].includes(client.role) && client.grantTypes.includes(grantType);
}

export function mayUseEndpoint(client: ClientRecord, endpoint: Endpoint): boolean {
  if (!ENDPOINT_ROLES[endpoint].includes(client.role)) return false;
  if (endpoint === 'authorize') {
    return mayUseGrant(client, GRANT_TYPES.authorizationCode) && client.redirectUris.length > 0;
  }
  if (endpoint === 'device_authorization') return mayUseGrant(client, GRANT_TYPES.deviceCode);
  return true;
}

/**
 * RFC 9700 §4.14.2: a public client cannot prove who presents a refresh token,
 * so its rotation is strict. Device clients too: the relaxed acceptance exists
 * only for Alexa's field-reported habit of not storing rotated tokens
 * (DESIGN.md "Refresh").
 */
export function usesStrictRotation(client: ClientRecord): boolean {
  return client.type === 'public' || client.role === 'device';
}
