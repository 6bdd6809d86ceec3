/** `ma-auth tokens list`. */
import { listGrants } from '../../../oauth/grant-admin.js';
import { withAdminStore } from '../../admin-store.js';
import type { Deps } from '../../deps.js';
import { CliError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { sanitize } from '../../sanitize.js';
import type { ListFlags } from './index.js';
import { grantJson, renderGrant } from './view.js';

export async function runList(flags: ListFlags, deps: Deps): Promise<void> {
  const { grants, owner } = await withAdminStore(deps, async ({ oauth }) => {
    if (flags.client !== undefined && !(await oauth.store.getClient(flags.client))) {
      throw new CliError(
        EXIT.error,
        `no client "${sanitize(flags.client, 128)}" (ma-auth clients list shows them)`,
      );
    }
    const filter = {
      includeInactive: Boolean(flags.all),
      ...(flags.client ? { clientId: flags.client } : {}),
    };
    return { grants: await listGrants(oauth, filter), owner: await oauth.store.owner() };
  });
  if (flags.json) {
    deps.io.out(JSON.stringify(grants.map((g) => grantJson(g, owner))));
    return;
  }
  if (grants.length === 0) {
    const whose = flags.client ? ` for ${sanitize(flags.client, 128)}` : '';
    deps.io.out(
      flags.all
        ? `No grants${whose}.`
        : `No active grants${whose}. (--all includes revoked and expired ones.)`,
    );
    return;
  }
  const now = deps.now();
  deps.io.out(grants.map((g) => renderGrant(g, owner, now)).join('\n\n'));
}
