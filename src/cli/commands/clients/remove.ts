/**
 * `ma-auth clients remove <id>`: refuse what would break the install, show
 * what goes, confirm, then revoke the client's grants and delete it.
 */
import { type ClientAdminError, removalRefusal, removeClient } from '../../../oauth/client-admin.js';
import { listGrants } from '../../../oauth/grant-admin.js';
import type { ClientRecord } from '../../../store/types.js';
import { withAdminStore } from '../../admin-store.js';
import { confirmed, requireYesOrTerminal } from '../../confirm.js';
import type { Deps } from '../../deps.js';
import { sanitize } from '../../sanitize.js';
import type { RemoveFlags } from './index.js';
import { notFound, refusal } from './view.js';

export async function runRemove(id: string, flags: RemoveFlags, deps: Deps): Promise<void> {
  await withAdminStore(deps, async ({ oauth }) => {
    const client = await oauth.store.getClient(id);
    if (!client) throw notFound(id);
    const refused = removalRefusal(client, { force: flags.force });
    if (refused) refusal((e) => explain(e, client))(refused);
    requireYesOrTerminal(flags, deps, `ma-auth clients remove ${sanitize(id, 128)} --yes`);

    const live = (await listGrants(oauth, { clientId: id })).length;
    const who = `${sanitize(client.id, 128)} (${sanitize(client.name, 100)})`;
    if (!flags.yes) {
      deps.io.out(
        `Removing ${who} revokes its ${live} active grant${live === 1 ? '' : 's'}: every token issued to it stops working at once.` +
          (client.role === 'alexa' ? '\nThis unlinks Alexa.' : ''),
      );
    }
    if (!(await confirmed(flags, deps, `Remove ${who}?`))) {
      deps.io.out('Nothing was changed.');
      return;
    }
    const { revokedGrants } = await removeClient(oauth, id, { force: flags.force }).catch(refusal());
    if (flags.json) {
      deps.io.out(
        JSON.stringify({ event: 'client_removed', client_id: client.id, revoked_grants: revokedGrants }),
      );
      return;
    }
    deps.io.out(
      `Removed ${who}; revoked ${revokedGrants} grant${revokedGrants === 1 ? '' : 's'}.` +
        (client.role === 'alexa'
          ? '\nAlexa is unlinked: "Alexa, play …" stops working. Linking again needs the Alexa client registered again (a fresh set-up).'
          : ''),
    );
  });
}

/** What breaks, and what to do instead. */
function explain(err: ClientAdminError, client: ClientRecord): string | null {
  const id = sanitize(client.id, 128);
  if (err.code === 'builtin_client' && client.role === 'cli') {
    return (
      `${id} is the command line's own client: ma-auth link uses it to create pairing codes, so without it Alexa could never be linked again. ` +
      'It is part of the install and cannot be removed (its secret is derived from the data key, so nothing of it is stored to leak). Nothing was changed.'
    );
  }
  if (err.code === 'builtin_client') {
    return (
      `${id} is Music Assistant's own client: Music Assistant uses it to check every Alexa token (introspection), so without it no Alexa request would be accepted. ` +
      `It is part of the install and cannot be removed. If its secret leaked, replace it: ma-auth clients rotate-secret ${id}. Nothing was changed.`
    );
  }
  if (err.code === 'needs_force') {
    return [
      `${id} is the Alexa skill's client. Removing it unlinks Alexa: its grants are revoked, Alexa's next refresh fails and "Alexa, play …" stops working;`,
      'and the skill cannot be linked again: this version has no command to register the Alexa client again (only a fresh set-up).',
      'Instead, you may want:',
      `  ma-auth clients rotate-secret ${id}      a new secret, if the old one leaked`,
      `  ma-auth tokens revoke --client ${id}     unlink Alexa but keep the client (link again with ma-auth link)`,
      `To remove it anyway: ma-auth clients remove ${id} --force. Nothing was changed.`,
    ].join('\n');
  }
  return null;
}
