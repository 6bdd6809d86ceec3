/**
 * Device code grant (RFC 8628 §3.4-3.5): the device (or `ma-auth link`) polls
 * until the owner decides.
 *
 * The CLI's pairing is special (DESIGN.md "Linking Alexa" step 7): its token
 * response reports what was linked (`linked_client_id`, `scope`, `linked_at`),
 * and its access token has only the `link:status` scope for 60 seconds and no
 * refresh token — pairing must not hand the CLI a way into Music Assistant.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import { sha256Hex } from '../../crypto/hash.js';
import { randomId } from '../../crypto/random-token.js';
import type { ClientRecord, DeviceAuthorizationRecord } from '../../store/types.js';
import { GRANT_TYPES } from '../builtin-clients.js';
import type { OAuthDeps } from '../context.js';
import {
  AccessDenied,
  AuthorizationPending,
  ExpiredToken,
  InvalidGrant,
  InvalidRequest,
  SlowDown,
} from '../errors.js';
import { type MintedPair, mintTokens, type TokenResponse, tokenResponse } from '../issue.js';
import { type Params, param } from '../params.js';
import { LINK_STATUS_TOKEN_TTL_S, POLL_TOLERANCE_MS, SLOW_DOWN_STEP_S } from '../policy.js';
import { LINK_STATUS_SCOPE } from '../scopes.js';
import type { GrantModule } from './grant-handler.js';

async function handler(client: ClientRecord, body: Params, deps: OAuthDeps): Promise<TokenResponse> {
  const deviceCode = param(body, 'device_code');
  if (!deviceCode) throw new InvalidRequest('device_code is missing');
  const result = await deps.store.pollDeviceAuthorization({
    deviceCodeHash: sha256Hex(deviceCode),
    clientId: client.id,
    now: deps.now(),
    slowDownStepS: SLOW_DOWN_STEP_S,
    toleranceMs: POLL_TOLERANCE_MS,
  });
  switch (result.outcome) {
    case 'not_found':
      throw new InvalidGrant('device code is invalid');
    case 'expired':
      throw new ExpiredToken('device code has expired; start again');
    case 'pending':
      throw new AuthorizationPending('waiting for the owner to approve');
    case 'slow_down':
      throw new SlowDown(`polling too fast; wait at least ${result.intervalS} seconds between requests`);
    case 'denied':
      throw new AccessDenied('the owner denied the request');
    case 'cancelled':
      throw new InvalidGrant('device authorization was cancelled');
    case 'consumed':
      throw new InvalidGrant('device code was already used');
    case 'approved':
      return client.role === 'cli'
        ? linkStatus(client, result.authorization, deps)
        : deviceTokens(client, result.authorization, deps);
  }
}

async function deviceTokens(client: ClientRecord, device: DeviceAuthorizationRecord, deps: OAuthDeps) {
  const now = deps.now();
  const pair = mintTokens({
    now,
    accessTtlS: deps.settings.accessTokenTtl,
    accessScope: device.scope,
    refresh: { scope: device.scope, idleTtlS: deps.settings.refreshIdleTtl },
  });
  await consume(client, device, 'device_code', device.scope, pair, deps);
  return tokenResponse(pair, device.scope);
}

async function linkStatus(client: ClientRecord, device: DeviceAuthorizationRecord, deps: OAuthDeps) {
  if (!device.linkedClientId || device.linkedScope === null || device.decidedAt === null) {
    throw new InvalidGrant('device authorization was approved without a link');
  }
  const pair = mintTokens({
    now: deps.now(),
    accessTtlS: LINK_STATUS_TOKEN_TTL_S,
    accessScope: LINK_STATUS_SCOPE,
    refresh: null,
  });
  await consume(client, device, 'link_status', LINK_STATUS_SCOPE, pair, deps);
  return {
    ...tokenResponse(pair, device.linkedScope),
    linked_client_id: device.linkedClientId,
    linked_at: Math.floor(device.decidedAt / 1000),
  };
}

/** Approved → consumed together with the new grant; only one poll can win. */
async function consume(
  client: ClientRecord,
  device: DeviceAuthorizationRecord,
  origin: 'device_code' | 'link_status',
  scope: string,
  pair: MintedPair,
  deps: OAuthDeps,
): Promise<void> {
  if (!device.ownerId) throw new InvalidGrant('device authorization has no owner');
  const grant = await deps.store.consumeDeviceAuthorization({
    id: device.id,
    now: deps.now(),
    grant: { id: randomId(), clientId: client.id, ownerId: device.ownerId, scope, origin },
    tokens: pair.records,
  });
  if (!grant) throw new InvalidGrant('device code was already used');
}

export const deviceCodeGrant: GrantModule = {
  grantType: GRANT_TYPES.deviceCode,
  parameters: ['device_code'],
  handler,
};
