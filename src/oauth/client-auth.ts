/**
 * Client authentication at the token, device authorization, introspection and
 * revocation endpoints.
 *
 * - HTTP Basic (`client_secret_basic`): id and secret are each form-urlencoded
 *   before being joined with ":" and base64-encoded (RFC 6749 §2.3.1).
 * - Body (`client_secret_post`): `client_id` + `client_secret`.
 * - Both at once is refused (RFC 6749 §2.3: one method per request).
 * - Public clients send `client_id` only.
 *
 * Secrets are compared in constant time on their SHA-256; the CLI client's
 * secret is derived from the data key (builtin-clients.ts), never stored.
 * Failures say nothing about which part was wrong and are audited.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
import { constantEquals } from '../crypto/constant-equals.js';
import { sha256Hex } from '../crypto/hash.js';
import type { DataKey } from '../keys/data-key.js';
import type { ClientRecord } from '../store/types.js';
import { audit } from './audit.js';
import { CLI_CLIENT_ID, cliClientSecret } from './builtin-clients.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import { emit } from './events.js';
import { type Params, param } from './params.js';

/** What the listener passes from a client's request: the raw Authorization header and the form body. */
export interface ClientRequest {
  readonly authorization?: string | undefined;
  readonly body: Params;
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  readonly client: ClientRecord;
  readonly method: ClientAuthMethod;
}

/** Compared against when the client is unknown, so that case takes the same time. */
const UNKNOWN_CLIENT_HASH = sha256Hex('ma-auth/unknown-client');

export async function authenticateClient(
  request: ClientRequest,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<AuthenticatedClient> {
  const basic = parseBasic(request.authorization);
  const usedBasic = basic !== null;
  const bodyId = param(request.body, 'client_id');
  const bodySecret = param(request.body, 'client_secret');
  if (basic && bodySecret !== undefined) {
    throw new InvalidRequest('use one client authentication method: HTTP Basic or client_secret in the body');
  }
  if (basic && bodyId !== undefined && bodyId !== basic.id) {
    throw new InvalidRequest('client_id in the body differs from the HTTP Basic client');
  }
  const id = basic ? basic.id : bodyId;
  const secret = basic ? basic.secret : bodySecret;
  const fail = async (reason: string, client: ClientRecord | null): Promise<never> => {
    await audit(deps, {
      kind: 'client_auth_failed',
      severity: 'warning',
      clientId: client?.id ?? null,
      meta,
      detail: { presentedClientId: id?.slice(0, 128) ?? null, reason, usedBasic },
    });
    emit(deps, { kind: 'client_auth_failed' });
    throw new InvalidClient('client authentication failed', usedBasic);
  };
  if (!id) return fail('no client credentials', null);
  const client = await deps.store.getClient(id);
  if (!client) {
    constantEquals(sha256Hex(secret ?? ''), UNKNOWN_CLIENT_HASH);
    return fail('unknown client', null);
  }
  if (!secretMatches(client, secret, deps.key)) return fail('wrong or missing secret', client);
  const method: ClientAuthMethod = basic ? 'client_secret_basic' : secret ? 'client_secret_post' : 'none';
  return { client, method };
}

function secretMatches(client: ClientRecord, secret: string | undefined, key: DataKey): boolean {
  // A public client has no secret; one that sends a secret is misconfigured, not authenticated.
  if (client.type === 'public') return !secret;
  if (!secret) return false;
  const expectedHash = client.id === CLI_CLIENT_ID ? sha256Hex(cliClientSecret(key)) : client.secretHash;
  if (!expectedHash) return false;
  return constantEquals(sha256Hex(secret), expectedHash);
}

/** `Basic <base64(urlencode(id) ":" urlencode(secret))>` → id and secret; null when not Basic. */
function parseBasic(header: string | undefined): { id: string; secret: string } | null {
  if (header === undefined) return null;
  const match = /^basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (!match) {
    if (/^basic\b/i.test(header)) throw new InvalidClient('malformed HTTP Basic credentials', true);
    return null; // another scheme: not client authentication
  }
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClient('malformed HTTP Basic credentials', true);
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/**
 * application/x-www-form-urlencoded decoding. Clients that skip the encoding
 * (common) are unaffected for ids and secrets without "+" or "%"; a stray "%"
 * that does not decode is taken literally rather than failing the request.
 */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
