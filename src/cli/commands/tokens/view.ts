/** How grants are shown. A grant holds tokens, but only their hashes are stored: nothing here can print one. */
import type { GrantSummary, Owner } from '../../../store/types.js';
import { isoTime, relativeTime } from '../../render/time.js';
import { sanitize } from '../../sanitize.js';

export type GrantState = 'active' | 'expired' | 'revoked';

export function grantState(g: GrantSummary): GrantState {
  if (g.revokedAt !== null) return 'revoked';
  return g.expiresAt === null ? 'expired' : 'active';
}

export function grantJson(g: GrantSummary, owner: Owner | null) {
  return {
    id: g.id,
    client_id: g.clientId,
    client_name: g.clientName,
    owner_id: g.ownerId,
    owner_name: owner?.id === g.ownerId ? owner.name : null,
    scope: g.scope,
    origin: g.origin,
    state: grantState(g),
    created_at: isoTime(g.createdAt),
    last_used_at: isoTime(g.lastUsedAt),
    expires_at: isoTime(g.expiresAt),
    revoked_at: isoTime(g.revokedAt),
    revoked_reason: g.revokedReason,
  };
}

const ORIGIN_TEXT: Readonly<Record<string, string>> = {
  authorization_code: 'linked on the consent page',
  device_code: 'device approved with ma-auth approve',
  link_status: "ma-auth link's short-lived status token",
  migrated: 'imported from the legacy server',
};

export function renderGrant(g: GrantSummary, owner: Owner | null, now: number): string {
  const label = (name: string) => `  ${name.padEnd(10)}`;
  const state = grantState(g);
  const stateText =
    state === 'revoked'
      ? `revoked ${relativeTime(g.revokedAt as number, now)}${g.revokedReason ? ` (${sanitize(g.revokedReason, 64)})` : ''}`
      : state;
  const ownerText = owner?.id === g.ownerId ? sanitize(owner.name, 100) : sanitize(g.ownerId, 64);
  return [
    `grant ${g.id}  ${stateText}`,
    `${label('client')}${sanitize(g.clientName, 100)} (${sanitize(g.clientId, 128)})`,
    `${label('owner')}${ownerText}`,
    `${label('scope')}${sanitize(g.scope, 200)}`,
    `${label('via')}${ORIGIN_TEXT[g.origin] ?? sanitize(g.origin, 64)}`,
    `${label('created')}${relativeTime(g.createdAt, now)}`,
    `${label('last used')}${relativeTime(g.lastUsedAt, now)}`,
    `${label('expires')}${g.expiresAt === null ? '—' : `${relativeTime(g.expiresAt, now)}, unless used again`}`,
  ].join('\n');
}
