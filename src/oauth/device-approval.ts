/**
 * `ma-auth approve CODE`: the owner approves or denies a device's pairing
 * (DESIGN.md "Other devices"). Runs in the CLI against the store, with the key.
 *
 * A code from `ma-auth link` is refused here: those pair an Alexa account and
 * are entered on the consent page, where the link they approve is known.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 */
import type { DeviceAuthorizationRecord } from '../store/types.js';
import { audit } from './audit.js';
import { CLI_CLIENT_ID } from './builtin-clients.js';
import type { OAuthDeps } from './context.js';
import { describeScopes, parseScope } from './scopes.js';
import { normaliseUserCode, userCodeHash } from './user-code.js';

export type DeviceApprovalErrorCode =
  | 'malformed_code'
  | 'not_found'
  | 'expired'
  | 'already_decided'
  | 'alexa_pairing_code'
  | 'not_initialised';

export class DeviceApprovalError extends Error {
  override readonly name = 'DeviceApprovalError';
  constructor(
    readonly code: DeviceApprovalErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DeviceApprovalView {
  readonly id: string;
  readonly client: { readonly id: string; readonly name: string };
  readonly scopes: readonly { readonly name: string; readonly description: string }[];
  /** The address and user agent the device asked from (unsealed). */
  readonly address: string | null;
  readonly userAgent: string | null;
  readonly ageMs: number;
  readonly expiresInMs: number;
  readonly status: DeviceAuthorizationRecord['status'];
}

/** What `ma-auth approve` shows before asking to confirm. */
export async function findDeviceAuthorization(
  deps: OAuthDeps,
  userCode: string,
): Promise<DeviceApprovalView> {
  const device = await findPending(deps, userCode);
  return view(deps, device);
}

export async function decideDeviceAuthorization(
  deps: OAuthDeps,
  input: { userCode: string; approve: boolean; ownerId?: string },
): Promise<DeviceApprovalView> {
  const device = await findPending(deps, input.userCode);
  const ownerId = input.ownerId ?? (await deps.store.owner())?.id;
  if (!ownerId) throw new DeviceApprovalError('not_initialised', 'the store has no owner; run ma-auth init');
  const result = await deps.store.decideDeviceAuthorization({
    id: device.id,
    approve: input.approve,
    ownerId,
    now: deps.now(),
  });
  if (result.outcome === 'expired') throw expired();
  if (result.outcome !== 'decided') throw alreadyDecided();
  await audit(deps, {
    kind: input.approve ? 'device_approved' : 'device_denied',
    severity: 'info',
    clientId: device.clientId,
    detail: { deviceAuthorizationId: device.id, scope: device.scope },
  });
  return view(deps, result.authorization);
}

async function findPending(deps: OAuthDeps, userCode: string): Promise<DeviceAuthorizationRecord> {
  const normalised = normaliseUserCode(userCode);
  if (!normalised) {
    throw new DeviceApprovalError('malformed_code', 'a pairing code is 8 letters, like WDJB-MJHT');
  }
  const device = await deps.store.findDeviceAuthorizationByUserCode(userCodeHash(deps.key, normalised));
  if (!device) throw new DeviceApprovalError('not_found', 'no pairing with this code');
  if (device.clientId === CLI_CLIENT_ID) {
    throw new DeviceApprovalError(
      'alexa_pairing_code',
      'this code is from `ma-auth link`: enter it in the Alexa app when it asks, not here',
    );
  }
  if (device.status !== 'pending') throw alreadyDecided();
  if (deps.now() >= device.expiresAt) throw expired();
  return device;
}

async function view(deps: OAuthDeps, device: DeviceAuthorizationRecord): Promise<DeviceApprovalView> {
  const client = await deps.store.getClient(device.clientId);
  const now = deps.now();
  return {
    id: device.id,
    client: { id: device.clientId, name: client?.name ?? device.clientId },
    scopes: describeScopes(parseScope(device.scope) ?? []),
    address: device.meta.address,
    userAgent: device.meta.userAgent,
    ageMs: now - device.createdAt,
    expiresInMs: Math.max(0, device.expiresAt - now),
    status: device.status,
  };
}

const expired = () =>
  new DeviceApprovalError('expired', 'this pairing code has expired; start the device again');
const alreadyDecided = () =>
  new DeviceApprovalError('already_decided', 'this pairing was already approved, denied or cancelled');
