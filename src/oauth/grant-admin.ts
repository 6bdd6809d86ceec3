/** Owner operations on grants (`ma-auth tokens`): list and revoke, audited. */
import type { GrantSummary } from '../store/types.js';
import { audit } from './audit.js';
import type { OAuthDeps } from './context.js';

type Deps = Pick<OAuthDeps, 'store' | 'now'>;

export async function listGrants(
  deps: Deps,
  filter: { clientId?: string; includeInactive?: boolean } = {},
): Promise<GrantSummary[]> {
  return deps.store.listGrants({ ...filter, now: deps.now() });
}

export async function revokeGrantByOwner(deps: Deps, grantId: string): Promise<boolean> {
  const grant = await deps.store.getGrant(grantId);
  if (!grant || !(await deps.store.revokeGrant(grantId, deps.now(), 'revoked_by_owner'))) return false;
  await audit(deps, {
    kind: 'grant_revoked',
    severity: 'info',
    clientId: grant.clientId,
    grantId,
    detail: { by: 'owner' },
  });
  return true;
}

export async function revokeClientGrantsByOwner(deps: Deps, clientId: string): Promise<number> {
  const count = await deps.store.revokeClientGrants(clientId, deps.now(), 'revoked_by_owner');
  if (count > 0) {
    await audit(deps, { kind: 'grant_revoked', severity: 'info', clientId, detail: { by: 'owner', count } });
  }
  return count;
}
