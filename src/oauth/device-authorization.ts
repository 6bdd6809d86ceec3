/**
 * The device authorization endpoint (POST /oauth/device_authorization,
 * RFC 8628 §3.1-3.2): `ma-auth link` and registered device clients get a
 * device code to poll with and a pairing code for the owner.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
import { sha256Hex } from '../crypto/hash.js';
import { randomId, randomToken } from '../crypto/random-token.js';
import { StoreError } from '../store/errors.js';
import { authenticateClient, type ClientRequest } from './client-auth.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { InvalidScope, UnauthorizedClient } from './errors.js';
import { emit } from './events.js';
import { param } from './params.js';
import { DEVICE_CODE_TTL_S, DEVICE_POLL_INTERVAL_S } from './policy.js';
import { mayUseEndpoint } from './roles.js';
import { formatScope, resolveScope } from './scopes.js';
import { formatUserCode, generateUserCode, userCodeHash } from './user-code.js';

/** RFC 8628 §3.2 response. */
export interface DeviceAuthorizationResponse {
  readonly device_code: string;
  /** `XXXX-XXXX`. */
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete: string;
  readonly expires_in: number;
  readonly interval: number;
}

/** A fresh pairing code colliding with a live one is a ~1-in-10^10 event; a few draws settle it. */
const USER_CODE_DRAWS = 5;

export async function deviceAuthorization(
  request: ClientRequest,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<DeviceAuthorizationResponse> {
  const { client } = await authenticateClient(request, deps, meta);
  if (!mayUseEndpoint(client, 'device_authorization')) {
    throw new UnauthorizedClient('this client may not use the device authorization grant');
  }
  const scopes = resolveScope(param(request.body, 'scope'), client.scopes);
  if (!scopes) throw new InvalidScope('the requested scope is unknown or not allowed for this client');

  const now = deps.now();
  const deviceCode = randomToken('deviceCode');
  for (let draw = 1; ; draw++) {
    const userCode = generateUserCode();
    try {
      await deps.store.createDeviceAuthorization({
        id: randomId(),
        deviceCodeHash: sha256Hex(deviceCode),
        userCodeHash: userCodeHash(deps.key, userCode),
        clientId: client.id,
        scope: formatScope(scopes),
        createdAt: now,
        expiresAt: now + DEVICE_CODE_TTL_S * 1000,
        intervalS: DEVICE_POLL_INTERVAL_S,
        meta,
      });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'conflict' && draw < USER_CODE_DRAWS) continue;
      throw err;
    }
    emit(deps, { kind: 'device_authorization_started' });
    const verificationUri = `${deps.settings.publicUrl}/link`;
    return {
      device_code: deviceCode,
      user_code: formatUserCode(userCode),
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?code=${formatUserCode(userCode)}`,
      expires_in: DEVICE_CODE_TTL_S,
      interval: DEVICE_POLL_INTERVAL_S,
    };
  }
}

/**
 * The client gives up a pending pairing (`ma-auth link` on Ctrl-C), through
 * RFC 7009 revocation of its device code. An approved pairing is not undone:
 * the link it made stands and is revoked like any other grant.
 */
export async function cancelDeviceAuthorization(
  deps: OAuthDeps,
  input: { clientId: string; deviceCode: string },
): Promise<boolean> {
  return deps.store.cancelDeviceAuthorization({
    deviceCodeHash: sha256Hex(input.deviceCode),
    clientId: input.clientId,
    now: deps.now(),
  });
}
