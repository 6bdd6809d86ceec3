/** `ma-auth clients list` and `ma-auth clients show <id>`. */
import { listGrants } from '../../../oauth/grant-admin.js';
import { withAdminStore } from '../../admin-store.js';
import type { Deps } from '../../deps.js';
import type { ClientsFlags } from './index.js';
import { clientJson, notFound, renderClient } from './view.js';

export async function runList(flags: ClientsFlags, deps: Deps): Promise<void> {
  const clients = await withAdminStore(deps, ({ oauth }) => oauth.store.listClients());
  if (flags.json) {
    deps.io.out(JSON.stringify(clients.map(clientJson)));
    return;
  }
  const now = deps.now();
  deps.io.out(clients.map((c) => renderClient(c, now)).join('\n\n'));
}

export async function runShow(id: string, flags: ClientsFlags, deps: Deps): Promise<void> {
  const found = await withAdminStore(deps, async ({ oauth }) => {
    const client = await oauth.store.getClient(id);
    if (!client) throw notFound(id);
    return { client, activeGrants: (await listGrants(oauth, { clientId: id })).length };
  });
  if (flags.json) {
    deps.io.out(JSON.stringify({ ...clientJson(found.client), active_grants: found.activeGrants }));
    return;
  }
  deps.io.out(renderClient(found.client, deps.now(), { activeGrants: found.activeGrants }));
}
