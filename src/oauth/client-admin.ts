/** Owner operations on clients (`ma-auth clients`), with the rules the store does not know. */
import { sha256Hex } from '../crypto/hash.js';
import { randomToken } from '../crypto/random-token.js';
import { audit } from './audit.js';
import { CLI_CLIENT_ID } from './builtin-clients.js';
import type { OAuthDeps } from './context.js';

export type ClientAdminErrorCode = 'not_found' | 'derived_secret' | 'public_client' | 'builtin_client';

export class ClientAdminError extends Error {
  override readonly name = 'ClientAdminError';
  constructor(
    readonly code: ClientAdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A new secret for a confidential client, returned once and stored hashed.
 * Existing grants stay valid: the Alexa link survives, only the console's
 * secret must be updated.
 */
export async function rotateClientSecret(deps: Pick<OAuthDeps, 'store' | 'now'>, clientId: string) {
  const client = await deps.store.getClient(clientId);
  if (!client) throw new ClientAdminError('not_found', `no client "${clientId}"`);
  if (client.id === CLI_CLIENT_ID) {
    throw new ClientAdminError(
      'derived_secret',
      'the CLI client secret is derived from the data key; rotate the key',
    );
  }
  if (client.type === 'public') throw new ClientAdminError('public_client', 'a public client has no secret');
  const secret = randomToken('clientSecret');
  await deps.store.updateClient(clientId, { secretHash: sha256Hex(secret) }, deps.now());
  await audit(deps, { kind: 'client_secret_rotated', severity: 'info', clientId });
  return secret;
}

/** Removes a client and everything issued to it. The CLI client is part of the install and stays. */
export async function removeClient(deps: Pick<OAuthDeps, 'store' | 'now'>, clientId: string): Promise<void> {
  if (clientId === CLI_CLIENT_ID) {
    throw new ClientAdminError(
      'builtin_client',
      'the CLI client is needed for pairing and cannot be removed',
    );
  }
  if (!(await deps.store.removeClient(clientId)))
    throw new ClientAdminError('not_found', `no client "${clientId}"`);
  await audit(deps, { kind: 'client_removed', severity: 'info', clientId });
}
