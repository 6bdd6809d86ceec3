/** Row → record mapping, kept apart so queries stay readable. */
import type { AuthorizationCodeRecord } from '../records/codes.js';
import type { GrantRecord, TokenRecord } from '../records/grants.js';
import type { ClientRecord } from '../types.js';

type AnyRow = Record<string, unknown>;

/**
 * A token hash as the tokens table stores it: the 32 bytes of the SHA-256 hex
 * digest crypto/hash.ts makes (migration 4). Anything else is a caller's bug,
 * never a value to store or look up. (Buffer stops decoding at the first
 * character that is not hex: a short result. Cheaper than a regular
 * expression, which cost the token endpoint ~1 % of its time.)
 */
export function tokenKey(hash: string): Uint8Array {
  const bytes = Buffer.from(hash, 'hex');
  if (hash.length !== 64 || bytes.length !== 32) throw new TypeError('a token hash must be SHA-256 hex');
  return bytes;
}

function tokenHashHex(key: unknown): string {
  const bytes = key as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function clientFromRow(row: unknown): ClientRecord {
  const r = row as AnyRow;
  return {
    id: r.id as string,
    name: r.name as string,
    role: r.role as ClientRecord['role'],
    type: r.type as ClientRecord['type'],
    secretHash: (r.secret_hash as string | null) ?? null,
    redirectUris: JSON.parse(r.redirect_uris as string),
    grantTypes: JSON.parse(r.grant_types as string),
    scopes: (r.scopes as string).split(' ').filter(Boolean),
    requirePkce: r.require_pkce === 1,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function grantFromRow(row: unknown): GrantRecord {
  const r = row as AnyRow;
  return {
    id: r.id as string,
    clientId: r.client_id as string,
    ownerId: r.owner_id as string,
    scope: r.scope as string,
    origin: r.origin as GrantRecord['origin'],
    createdAt: r.created_at as number,
    lastUsedAt: r.last_used_at as number,
    revokedAt: nullable(r.revoked_at),
    revokedReason: nullable(r.revoked_reason),
  };
}

export function tokenFromRow(row: unknown): TokenRecord {
  const r = row as AnyRow;
  return {
    hash: tokenHashHex(r.hash),
    kind: r.kind as TokenRecord['kind'],
    grantId: r.grant_id as string,
    scope: r.scope as string,
    generation: r.generation as number,
    createdAt: r.created_at as number,
    expiresAt: r.expires_at as number,
    usedAt: nullable(r.used_at),
    lastUsedAt: nullable(r.last_used_at),
    supersededAt: nullable(r.superseded_at),
    revokedAt: nullable(r.revoked_at),
  };
}

export function codeFromRow(row: unknown): AuthorizationCodeRecord {
  const r = row as AnyRow;
  return {
    hash: r.hash as string,
    clientId: r.client_id as string,
    redirectUri: r.redirect_uri as string,
    scope: r.scope as string,
    ownerId: r.owner_id as string,
    codeChallenge: nullable(r.code_challenge),
    codeChallengeMethod: nullable(r.code_challenge_method),
    createdAt: r.created_at as number,
    expiresAt: r.expires_at as number,
    consumedAt: nullable(r.consumed_at),
    grantId: nullable(r.grant_id),
  };
}

export function nullable<T>(value: unknown): T | null {
  return (value ?? null) as T | null;
}

/**
 * A token with its grant in one statement (`tokenWithGrant`): the grant's
 * columns come prefixed `g_`, so they do not shadow the token's.
 */
export const TOKEN_WITH_GRANT_SQL = `SELECT t.*, g.id AS g_id, g.client_id AS g_client_id, g.owner_id AS g_owner_id,
       g.scope AS g_scope, g.origin AS g_origin, g.created_at AS g_created_at,
       g.last_used_at AS g_last_used_at, g.revoked_at AS g_revoked_at, g.revoked_reason AS g_revoked_reason
  FROM tokens t JOIN grants g ON g.id = t.grant_id
 WHERE t.hash = ?`;

/** The grant half of a TOKEN_WITH_GRANT_SQL row, as a grants row. */
export function grantColumns(row: AnyRow): AnyRow {
  return {
    id: row.g_id,
    client_id: row.g_client_id,
    owner_id: row.g_owner_id,
    scope: row.g_scope,
    origin: row.g_origin,
    created_at: row.g_created_at,
    last_used_at: row.g_last_used_at,
    revoked_at: row.g_revoked_at,
    revoked_reason: row.g_revoked_reason,
  };
}
