/** Grants (token families) and their tokens on SQLite. */
import type {
  GrantListFilter,
  GrantRecord,
  GrantSummary,
  NewGrant,
  NewToken,
  TokenLookup,
} from '../records/grants.js';
import { all, one, run, type SqliteContext } from './context.js';
import { grantColumns, grantFromRow, TOKEN_WITH_GRANT_SQL, tokenFromRow, tokenKey } from './rows.js';

/** Inside a write transaction: a grant and its first tokens. */
export function insertGrant(
  ctx: SqliteContext,
  grant: NewGrant,
  tokens: readonly NewToken[],
  now: number,
): GrantRecord {
  run(
    ctx,
    `INSERT INTO grants (id, client_id, owner_id, scope, origin, created_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    grant.id,
    grant.clientId,
    grant.ownerId,
    grant.scope,
    grant.origin,
    now,
    now,
  );
  for (const token of tokens) insertToken(ctx, grant.id, token, now);
  return grantFromRow(one(ctx, 'SELECT * FROM grants WHERE id = ?', grant.id));
}

/**
 * A token, after every token of its family and generation (`seq`: issue
 * order, which pruning unconfirmed tokens goes by — a clock can repeat a
 * millisecond). The last key of the generation is one seek.
 */
export const INSERT_TOKEN_SQL = `INSERT INTO tokens (grant_id, generation, seq, hash, kind, scope, created_at, expires_at)
  VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM tokens WHERE grant_id = ?1 AND generation = ?2),
          ?3, ?4, ?5, ?6, ?7)`;

export function insertToken(ctx: SqliteContext, grantId: string, token: NewToken, now: number): void {
  run(
    ctx,
    INSERT_TOKEN_SQL,
    grantId,
    token.generation,
    tokenKey(token.hash),
    token.kind,
    token.scope,
    now,
    token.expiresAt,
  );
}

export function createGrant(
  ctx: SqliteContext,
  input: { grant: NewGrant; tokens: readonly NewToken[]; now: number },
): GrantRecord {
  return ctx.write(() => insertGrant(ctx, input.grant, input.tokens, input.now));
}

export function getGrant(ctx: SqliteContext, id: string): GrantRecord | null {
  const row = one(ctx, 'SELECT * FROM grants WHERE id = ?', id);
  return row ? grantFromRow(row) : null;
}

export function findToken(ctx: SqliteContext, hash: string): TokenLookup | null {
  const row = one(ctx, TOKEN_WITH_GRANT_SQL, tokenKey(hash));
  if (!row) return null;
  return { token: tokenFromRow(row), grant: grantFromRow(grantColumns(row)) };
}

/** Inside a write transaction. Revoking the grant revokes every token of the family with it. */
export function revokeGrantIn(ctx: SqliteContext, id: string, now: number, reason: string): boolean {
  const changed = run(
    ctx,
    'UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
    now,
    reason,
    id,
  );
  run(ctx, 'UPDATE tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL', now, id);
  return changed > 0;
}

export function revokeGrant(ctx: SqliteContext, id: string, now: number, reason: string): boolean {
  return ctx.write(() => revokeGrantIn(ctx, id, now, reason));
}

export function revokeClientGrants(
  ctx: SqliteContext,
  clientId: string,
  now: number,
  reason: string,
): number {
  return ctx.write(() => {
    const ids = all(ctx, 'SELECT id FROM grants WHERE client_id = ? AND revoked_at IS NULL', clientId);
    for (const row of ids) revokeGrantIn(ctx, row.id as string, now, reason);
    return ids.length;
  });
}

export function revokeToken(ctx: SqliteContext, hash: string, now: number): boolean {
  return ctx.write(
    () =>
      run(
        ctx,
        'UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL',
        now,
        tokenKey(hash),
      ) > 0,
  );
}

/** A token is live while it is neither revoked, retired nor expired. */
const LIVE_EXPIRY = `(SELECT max(t.expires_at) FROM tokens t
   WHERE t.grant_id = g.id AND t.revoked_at IS NULL AND t.superseded_at IS NULL AND t.expires_at > ?)`;

export function listGrants(ctx: SqliteContext, filter: GrantListFilter): GrantSummary[] {
  const rows = all(
    ctx,
    `SELECT g.*, c.name AS client_name, ${LIVE_EXPIRY} AS live_expires_at
       FROM grants g JOIN clients c ON c.id = g.client_id
      WHERE (? IS NULL OR g.client_id = ?)
      ORDER BY g.created_at DESC, g.id`,
    filter.now,
    filter.clientId ?? null,
    filter.clientId ?? null,
  );
  return rows
    .map((row) => ({
      ...grantFromRow(row),
      clientName: row.client_name as string,
      expiresAt: (row.live_expires_at as number | null) ?? null,
    }))
    .filter((g) => filter.includeInactive || (g.revokedAt === null && g.expiresAt !== null));
}
