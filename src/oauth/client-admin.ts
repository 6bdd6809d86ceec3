/** Owner operations on clients (`ma-auth clients`), with the rules the store does not know. */
import { sha256Hex } from '../crypto/hash.js';
import { randomToken } from '../crypto/random-token.js';
import { StoreError } from '../store/errors.js';
import type { ClientRecord } from '../store/types.js';
import { audit } from './audit.js';
import { CLI_CLIENT_ID, GRANT_TYPES } from './builtin-clients.js';
import type { OAuthDeps } from './context.js';
import { revokeClientGrantsByOwner } from './grant-admin.js';
import { checkRedirectUri } from './redirect-uri.js';
import { ALEXA_SCOPES } from './scopes.js';

export type ClientAdminErrorCode =
  | 'not_found'
  | 'derived_secret'
  | 'public_client'
  | 'builtin_client'
  /** Removing the Alexa client unlinks Alexa: only with `force`. */
  | 'needs_force'
  | 'exists'
  | 'invalid'
  /** Redirect URIs belong to the Alexa client only. */
  | 'no_redirect_uris'
  | 'not_registered'
  | 'last_redirect_uri';

export class ClientAdminError extends Error {
  override readonly name = 'ClientAdminError';
  constructor(
    readonly code: ClientAdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Deps = Pick<OAuthDeps, 'store' | 'now'>;

async function existing(deps: Deps, clientId: string): Promise<ClientRecord> {
  const client = await deps.store.getClient(clientId);
  if (!client) throw new ClientAdminError('not_found', `no client "${clientId}"`);
  return client;
}

/**
 * A new secret for a confidential client, returned once and stored hashed.
 * Existing grants stay valid: the Alexa link survives, only the console's
 * secret must be updated.
 */
export async function rotateClientSecret(deps: Deps, clientId: string) {
  const client = await existing(deps, clientId);
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

/**
 * Removes a client and everything issued to it. Its live grants are revoked
 * first (audited as the owner's revocation), then the client goes with every
 * token, code and pairing it held. The CLI and Music Assistant clients are part
 * of the install and stay; the Alexa client goes only with `force`.
 */
export async function removeClient(
  deps: Deps,
  clientId: string,
  options: { force?: boolean } = {},
): Promise<{ client: ClientRecord; revokedGrants: number }> {
  const client = await existing(deps, clientId);
  const refused = removalRefusal(client, options);
  if (refused) throw refused;
  const revokedGrants = await revokeClientGrantsByOwner(deps, clientId);
  if (!(await deps.store.removeClient(clientId))) {
    throw new ClientAdminError('not_found', `no client "${clientId}"`);
  }
  await audit(deps, { kind: 'client_removed', severity: 'info', clientId, detail: { revokedGrants } });
  return { client, revokedGrants };
}

/** Why this client may not be removed; null when it may. Lets a caller refuse before asking for confirmation. */
export function removalRefusal(
  client: ClientRecord,
  options: { force?: boolean } = {},
): ClientAdminError | null {
  if (client.role === 'cli' || client.role === 'introspection') {
    return new ClientAdminError(
      'builtin_client',
      `"${client.id}" is part of the install and cannot be removed`,
    );
  }
  if (client.role === 'alexa' && !options.force) {
    return new ClientAdminError('needs_force', `removing "${client.id}" unlinks Alexa; it needs force`);
  }
  return null;
}

/** A client id as init accepts one: 1-128 printable ASCII characters, no spaces. Null when fine. */
export function checkClientId(id: string): string | null {
  return /^[\x21-\x7e]{1,128}$/.test(id) ? null : 'must be 1-128 printable ASCII characters without spaces';
}

/** A display name: 1-100 characters, no control characters (it is shown on terminals and pages). */
export function checkClientName(name: string): string | null {
  if (/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(name))
    return 'must not contain control characters';
  const length = [...name.trim()].length;
  return length >= 1 && length <= 100 ? null : 'must be 1-100 characters';
}

/**
 * Registers a third-party device client for the device authorization grant
 * (RFC 8628) with the Alexa scopes. A confidential client gets a secret,
 * returned once and stored hashed; a public one authenticates with its id only
 * (and gets strict refresh rotation, roles.ts).
 */
export async function addDeviceClient(
  deps: Deps,
  input: { id: string; name: string; type: 'confidential' | 'public' },
): Promise<{ client: ClientRecord; secret: string | null }> {
  const problem = checkClientId(input.id) ?? checkClientName(input.name);
  if (problem) throw new ClientAdminError('invalid', problem);
  const secret = input.type === 'confidential' ? randomToken('clientSecret') : null;
  try {
    await deps.store.addClient(
      {
        id: input.id,
        name: input.name.trim(),
        role: 'device',
        type: input.type,
        secretHash: secret === null ? null : sha256Hex(secret),
        redirectUris: [],
        grantTypes: [GRANT_TYPES.deviceCode, GRANT_TYPES.refreshToken],
        scopes: ALEXA_SCOPES,
        requirePkce: false,
      },
      deps.now(),
    );
  } catch (err) {
    if (err instanceof StoreError && err.code === 'conflict') {
      throw new ClientAdminError('exists', `a client "${input.id}" already exists`);
    }
    throw err;
  }
  await audit(deps, { kind: 'client_added', severity: 'info', clientId: input.id });
  return { client: await existing(deps, input.id), secret };
}

/**
 * Adds and removes the Alexa client's redirect URIs. They are matched exactly
 * at /alexa/authorize, so they are kept exactly as typed: `add` is validated
 * with checkRedirectUri, `remove` must name a registered URI character for
 * character, and the last one cannot go (the client could not authorize).
 */
export async function editRedirectUris(
  deps: Deps,
  clientId: string,
  change: { add?: readonly string[]; remove?: readonly string[] },
): Promise<{ before: readonly string[]; after: readonly string[] }> {
  const client = await existing(deps, clientId);
  if (client.role !== 'alexa') {
    throw new ClientAdminError(
      'no_redirect_uris',
      `"${clientId}" is not the Alexa client; it has no redirect URIs`,
    );
  }
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  for (const uri of add) {
    const problem = checkRedirectUri(uri);
    if (problem) throw new ClientAdminError('invalid', `${JSON.stringify(uri)} ${problem}`);
  }
  for (const uri of remove) {
    if (!client.redirectUris.includes(uri)) {
      throw new ClientAdminError(
        'not_registered',
        `${JSON.stringify(uri)} is not registered for "${clientId}"`,
      );
    }
  }
  const after = [...new Set([...client.redirectUris.filter((u) => !remove.includes(u)), ...add])];
  if (after.length === 0) {
    throw new ClientAdminError('last_redirect_uri', `"${clientId}" needs at least one redirect URI`);
  }
  const changed =
    after.length !== client.redirectUris.length || after.some((u, i) => u !== client.redirectUris[i]);
  if (changed) {
    await deps.store.updateClient(clientId, { redirectUris: after }, deps.now());
    await audit(deps, {
      kind: 'client_redirect_uris_changed',
      severity: 'info',
      clientId,
      detail: { added: add.filter((u) => !client.redirectUris.includes(u)), removed: remove },
    });
  }
  return { before: client.redirectUris, after };
}
