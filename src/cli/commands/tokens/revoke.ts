/**
 * `ma-auth tokens revoke <grant-id>` / `--client <id>`: show what goes,
 * confirm, revoke. Revoking what is already revoked changes nothing and is
 * not an error (as RFC 7009 revocation is idempotent).
 */
import { listGrants, revokeClientGrantsByOwner, revokeGrantByOwner } from '../../../oauth/grant-admin.js';
import type { GrantSummary } from '../../../store/types.js';
import { type AdminContext, withAdminStore } from '../../admin-store.js';
import { confirmed, requireYesOrTerminal } from '../../confirm.js';
import type { Deps } from '../../deps.js';
import { CliError, usageError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { relativeTime } from '../../render/time.js';
import { sanitize } from '../../sanitize.js';
import type { RevokeFlags } from './index.js';
import { renderGrant } from './view.js';

export async function runRevoke(grantId: string | undefined, flags: RevokeFlags, deps: Deps): Promise<void> {
  if ((grantId === undefined) === (flags.client === undefined)) {
    throw usageError(
      `${grantId === undefined ? 'say what to revoke: a grant id, or --client <id>' : 'give a grant id or --client, not both'}. Examples:\n` +
        '  ma-auth tokens revoke 3q2-7wEjQ0qz1Xb5V8pLkA\n  ma-auth tokens revoke --client kitchen-speaker',
    );
  }
  await withAdminStore(deps, (ctx) =>
    grantId !== undefined
      ? revokeOne(grantId, flags, deps, ctx)
      : revokeClient(flags.client as string, flags, deps, ctx),
  );
}

async function revokeOne(
  grantId: string,
  flags: RevokeFlags,
  deps: Deps,
  { oauth }: AdminContext,
): Promise<void> {
  const grant = (await listGrants(oauth, { includeInactive: true })).find((g) => g.id === grantId);
  if (!grant) {
    throw new CliError(
      EXIT.error,
      `no grant "${sanitize(grantId, 64)}" (ma-auth tokens list --all shows them). Nothing was changed.`,
    );
  }
  const alreadyRevoked = () => {
    const at = grant.revokedAt ?? deps.now();
    if (flags.json)
      deps.io.out(
        JSON.stringify({ event: 'already_revoked', grant_id: grant.id, client_id: grant.clientId }),
      );
    else
      deps.io.out(
        `Grant ${grant.id} was already revoked ${relativeTime(at, deps.now())}; nothing was changed.`,
      );
  };
  if (grant.revokedAt !== null) return alreadyRevoked();
  requireYesOrTerminal(flags, deps, `ma-auth tokens revoke ${grant.id} --yes`);
  const owner = await oauth.store.owner();
  if (!flags.yes) deps.io.out(`${renderGrant(grant, owner, deps.now())}\n${consequence(grant)}`.trimEnd());
  if (!(await confirmed(flags, deps, `Revoke grant ${grant.id}?`))) {
    deps.io.out('Nothing was changed.');
    return;
  }
  // False here: revoked concurrently (the listener on reuse detection, or another owner command).
  if (!(await revokeGrantByOwner(oauth, grant.id))) return alreadyRevoked();
  if (flags.json) {
    deps.io.out(JSON.stringify({ event: 'revoked', grant_id: grant.id, client_id: grant.clientId }));
  } else {
    deps.io.out(`Revoked grant ${grant.id}: its tokens stopped working. ${consequence(grant)}`.trimEnd());
  }
}

async function revokeClient(clientId: string, flags: RevokeFlags, deps: Deps, { oauth }: AdminContext) {
  const client = await oauth.store.getClient(clientId);
  const id = sanitize(clientId, 128);
  if (!client) {
    throw new CliError(
      EXIT.error,
      `no client "${id}" (ma-auth clients list shows them). Nothing was changed.`,
    );
  }
  const live = await listGrants(oauth, { clientId });
  if (live.length === 0) {
    if (flags.json) deps.io.out(JSON.stringify({ event: 'revoked', client_id: client.id, revoked: 0 }));
    else deps.io.out(`${id} holds no active grants; nothing was changed.`);
    return;
  }
  requireYesOrTerminal(flags, deps, `ma-auth tokens revoke --client ${id} --yes`);
  const n = (count: number) => `${count} grant${count === 1 ? '' : 's'}`;
  if (!flags.yes) {
    const owner = await oauth.store.owner();
    const now = deps.now();
    deps.io.out(
      `${live.map((g) => renderGrant(g, owner, now)).join('\n\n')}\n${consequence(live[0] as GrantSummary)}`.trimEnd(),
    );
  }
  if (!(await confirmed(flags, deps, `Revoke ${n(live.length)} of ${id}?`))) {
    deps.io.out('Nothing was changed.');
    return;
  }
  const revoked = await revokeClientGrantsByOwner(oauth, clientId);
  if (flags.json) {
    deps.io.out(JSON.stringify({ event: 'revoked', client_id: client.id, revoked }));
  } else {
    deps.io.out(
      `Revoked ${n(revoked)} of ${id}: their tokens stopped working. ${consequence(live[0] as GrantSummary)}`.trimEnd(),
    );
  }
}

/** What revoking means for the owner, by who held the grant. */
function consequence(g: GrantSummary): string {
  // Only the Alexa client uses the authorization-code grant (roles.ts); migrated grants are legacy Alexa links.
  if (g.origin === 'authorization_code' || g.origin === 'migrated') {
    return 'Alexa is unlinked until you run ma-auth link again.';
  }
  if (g.origin === 'device_code')
    return 'The device must be approved again (ma-auth approve) to get new tokens.';
  return '';
}
