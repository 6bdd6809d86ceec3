/**
 * `ma-auth clients rotate-secret <id>`: a new secret, printed once and stored
 * as a hash; for Music Assistant also its 0600 secret file, which is what
 * Music Assistant reads.
 */
import { writeFileAtomic } from '../../../config/fs-private.js';
import { rotateClientSecret } from '../../../oauth/client-admin.js';
import type { ClientRecord } from '../../../store/types.js';
import { withAdminStore } from '../../admin-store.js';
import type { Deps } from '../../deps.js';
import { CliError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { sanitize } from '../../sanitize.js';
import type { ClientsFlags } from './index.js';
import { notFound, refusal } from './view.js';

export async function runRotateSecret(id: string, flags: ClientsFlags, deps: Deps): Promise<void> {
  const { client, secret } = await withAdminStore(deps, async ({ oauth }) => {
    const client = await oauth.store.getClient(id);
    if (!client) throw notFound(id);
    const secret = await rotateClientSecret(oauth, id).catch(refusal((e) => explain(e.code, client)));
    return { client, secret };
  });

  // The store already holds the new hash: from here on the secret must reach the owner whatever happens.
  let secretFile: string | null = null;
  let fileError: unknown = null;
  if (client.role === 'introspection') {
    secretFile = deps.paths.introspectionSecretFile;
    await writeFileAtomic(secretFile, `${secret}\n`).catch((err) => {
      fileError = err;
    });
  }

  if (flags.json) {
    deps.io.out(
      JSON.stringify({
        event: 'secret_rotated',
        client_id: client.id,
        client_secret: secret,
        ...(secretFile && !fileError ? { secret_file: secretFile } : {}),
      }),
    );
  } else {
    deps.io.out(
      [
        `New secret for ${sanitize(client.id, 128)} (${sanitize(client.name, 100)}) — shown only this once, stored only as a hash:`,
        '',
        `  ${secret}`,
        '',
        `The old secret stopped working now; the grants of ${sanitize(client.id, 128)} stay valid.`,
        nextStep(client, secretFile && !fileError ? secretFile : null),
      ].join('\n'),
    );
  }
  if (fileError) {
    throw new CliError(
      EXIT.error,
      `could not write ${secretFile} (${(fileError as NodeJS.ErrnoException).code ?? String(fileError)}). ` +
        'The secret printed above is the only copy: put it into that file (mode 0600) yourself, or run rotate-secret again.',
    );
  }
}

function nextStep(client: ClientRecord, secretFile: string | null): string {
  if (client.role === 'alexa') {
    return (
      'Paste it into the Alexa developer console now (your skill → Account Linking → Your Secret) and save:\n' +
      'until then Alexa cannot refresh its tokens.'
    );
  }
  if (client.role === 'introspection') {
    return secretFile
      ? `Rewrote ${secretFile} (mode 0600) with it: Music Assistant must use the new secret (restart it if it read the file at start-up).`
      : 'Music Assistant must use the new secret.';
  }
  return 'Give it to the device: it authenticates with the new secret from its next request.';
}

function explain(code: string, client: ClientRecord): string | null {
  const id = sanitize(client.id, 128);
  if (code === 'derived_secret') {
    return (
      `${id} has no stored secret to rotate: it is derived from the data key (HKDF), so only whoever holds the key can create pairings, ` +
      'and there is nothing in the store to leak. Rotating the data key (ma-auth rotate-key) changes it. Nothing was changed.'
    );
  }
  if (code === 'public_client') {
    return (
      `${id} is a public client: it has no secret, it sends only its client id. ` +
      `To cut it off: ma-auth tokens revoke --client ${id}, or ma-auth clients remove ${id}. Nothing was changed.`
    );
  }
  return null;
}
