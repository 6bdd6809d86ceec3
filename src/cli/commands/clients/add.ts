/** `ma-auth clients add`: a third-party device client for the device authorization grant (RFC 8628). */
import { addDeviceClient, checkClientId, checkClientName } from '../../../oauth/client-admin.js';
import { PATHS, publicEndpoint } from '../../../server/urls.js';
import { withAdminStore } from '../../admin-store.js';
import type { Deps } from '../../deps.js';
import { usageError } from '../../errors.js';
import { sanitize } from '../../sanitize.js';
import type { AddFlags } from './index.js';
import { clientJson, refusal } from './view.js';

export async function runAdd(flags: AddFlags, deps: Deps): Promise<void> {
  // Checked before anything is opened: bad input changes nothing.
  if (!flags.id) {
    throw usageError(
      '--id is required. Example:\n  ma-auth clients add --id kitchen-speaker --name "Kitchen speaker"',
    );
  }
  const idProblem = checkClientId(flags.id);
  if (idProblem) throw usageError(`--id ${idProblem} (got ${JSON.stringify(sanitize(flags.id, 140))})`);
  const name = flags.name ?? flags.id;
  const nameProblem = checkClientName(name);
  if (nameProblem) throw usageError(`--name ${nameProblem}`);

  const { added, config } = await withAdminStore(deps, async ({ oauth, config }) => ({
    added: await addDeviceClient(oauth, {
      id: flags.id as string,
      name,
      type: flags.public ? 'public' : 'confidential',
    }).catch(
      refusal((e) =>
        e.code === 'exists'
          ? `a client "${sanitize(flags.id, 128)}" already exists (ma-auth clients show ${sanitize(flags.id, 128)}). Nothing was changed.`
          : null,
      ),
    ),
    config,
  }));
  const endpoints = {
    device_authorization_endpoint: publicEndpoint(config, PATHS.deviceAuthorization),
    token_endpoint: publicEndpoint(config, PATHS.token),
  };
  const { client, secret } = added;
  if (flags.json) {
    deps.io.out(
      JSON.stringify({
        event: 'client_added',
        client: clientJson(client),
        client_secret: secret,
        ...endpoints,
      }),
    );
    return;
  }
  const lines = [
    `Added device client ${sanitize(client.id, 128)} (${sanitize(client.name, 100)}), ${client.type}.`,
    '',
  ];
  if (secret) {
    lines.push(
      'Its client secret — shown only this once, stored only as a hash. Put it into the device now:',
      '',
      `  ${secret}`,
      '',
    );
  } else {
    lines.push('A public client has no secret: the device sends only its client id.', '');
  }
  lines.push(
    'The device uses the device authorization grant (RFC 8628):',
    `  device authorization  ${endpoints.device_authorization_endpoint}`,
    `  token                 ${endpoints.token_endpoint}`,
    `  client id             ${sanitize(client.id, 128)}`,
    `  scopes                ${client.scopes.join(' ')}`,
    'When it shows a code, approve it here: ma-auth approve CODE',
  );
  deps.io.out(lines.join('\n'));
}
