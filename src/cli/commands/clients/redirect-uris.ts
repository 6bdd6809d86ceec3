/** `ma-auth clients redirect-uris <id> [--add URI] [--remove URI]`: show or change, exactly as typed. */
import { editRedirectUris } from '../../../oauth/client-admin.js';
import { checkRedirectUri, isAmazonRedirectUri } from '../../../oauth/redirect-uri.js';
import { withAdminStore } from '../../admin-store.js';
import type { Deps } from '../../deps.js';
import { usageError } from '../../errors.js';
import { sanitize } from '../../sanitize.js';
import type { RedirectUrisFlags } from './index.js';
import { notFound, refusal } from './view.js';

export async function runRedirectUris(id: string, flags: RedirectUrisFlags, deps: Deps): Promise<void> {
  const add = flags.add ?? [];
  const remove = flags.remove ?? [];
  // Checked before anything is opened: bad input changes nothing.
  for (const uri of add) {
    const problem = checkRedirectUri(uri);
    if (problem)
      throw usageError(`--add ${JSON.stringify(sanitize(uri, 300))} ${problem}. Nothing was changed.`);
  }
  const both = add.filter((u) => remove.includes(u));
  if (both.length) {
    throw usageError(
      `${JSON.stringify(sanitize(both[0], 300))} is both in --add and in --remove. Nothing was changed.`,
    );
  }

  const edit = add.length > 0 || remove.length > 0;
  const { clientId, before, after } = await withAdminStore(deps, async ({ oauth }) => {
    const client = await oauth.store.getClient(id);
    if (!client) throw notFound(id);
    if (!edit) return { clientId: client.id, before: client.redirectUris, after: client.redirectUris };
    const result = await editRedirectUris(oauth, id, { add, remove }).catch(
      refusal((e) => {
        const cid = sanitize(id, 128);
        if (e.code === 'no_redirect_uris') {
          return `${cid} is not the Alexa client: only the Alexa skill's client uses redirect URIs (device clients use the device grant). Nothing was changed.`;
        }
        if (e.code === 'not_registered') {
          const listed = client.redirectUris.map((u) => `  ${sanitize(u, 300)}`).join('\n');
          return `${JSON.stringify(
            sanitize(
              remove.find((u) => !client.redirectUris.includes(u)),
              300,
            ),
          )} is not registered for ${cid} (it must match exactly). Registered:\n${listed}\nNothing was changed.`;
        }
        if (e.code === 'last_redirect_uri') {
          return `${cid} needs at least one redirect URI: without one Alexa could not link at all. Add the new one before removing the old. Nothing was changed.`;
        }
        return null;
      }),
    );
    return { clientId: client.id, ...result };
  });

  const added = after.filter((u) => !before.includes(u));
  const removed = before.filter((u) => !after.includes(u));
  if (flags.json) {
    deps.io.out(JSON.stringify({ client_id: clientId, redirect_uris: after, added, removed }));
    return;
  }
  const lines: string[] = [];
  for (const uri of added) lines.push(`Added    ${sanitize(uri, 300)}`);
  for (const uri of removed) lines.push(`Removed  ${sanitize(uri, 300)}`);
  if (edit && added.length === 0 && removed.length === 0) lines.push('Nothing changed: already as asked.');
  const unusual = added.filter((u) => !isAmazonRedirectUri(u));
  if (unusual.length) {
    lines.push(
      'Note: not of the form Amazon uses (https://pitangui.amazon.com/api/skill/link/<vendor id>, layla.amazon.com,',
      'alexa.amazon.co.jp); registered as typed anyway.',
    );
  }
  if (lines.length) lines.push('');
  lines.push(
    `Redirect URIs of ${sanitize(clientId, 128)} (matched exactly; the Alexa console must list the same):`,
    ...(after.length ? after.map((u) => `  ${sanitize(u, 300)}`) : ['  (none)']),
  );
  deps.io.out(lines.join('\n'));
}
