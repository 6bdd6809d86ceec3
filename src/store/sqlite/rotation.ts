/**
 * Refresh-token rotation as one transaction (DESIGN.md "Refresh", RFC 9700 §4.14.2).
 *
 * State of a family, by refresh token:
 * - *head*: the newest token the client has presented (used_at set, live);
 * - *unconfirmed*: issued from the head, never presented (at most
 *   `maxUnconfirmed`; older ones are revoked, so a client that never stores
 *   rotated tokens cannot grow its family without bound);
 * - *retired*: superseded_at set — an older generation, or a sibling of a token
 *   that got confirmed.
 *
 * Presenting an unconfirmed token confirms it: it becomes the head and every
 * other live refresh token of the family is retired. Presenting the head again
 * is allowed (the client did not store the last rotation). Presenting a retired
 * token is reuse — unless it was retired less than `graceMs` ago, which is a
 * retried request and is answered like the head. Under strict rotation the
 * presented token is retired as soon as it is rotated and there is no grace.
 */
import type {
  RotateRefreshInput,
  RotateRefreshResult,
  RotationPath,
  TokenRecord,
} from '../records/grants.js';
import { all, one, run, type SqliteContext } from './context.js';
import { insertToken } from './grants.js';
import { grantColumns, grantFromRow, TOKEN_WITH_GRANT_SQL, tokenFromRow } from './rows.js';

/** How stale a grant's `last_used_at` may be. */
export const GRANT_LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The common case — a client presenting the token it was last given — is one
 * read of the token and its grant, two UPDATEs (the token; its retired
 * predecessor, found through the `tokens_live_refresh` index), two INSERTs and
 * the grant's last use (at most once a minute): the token endpoint's whole store cost.
 */
export function rotateRefreshToken(ctx: SqliteContext, input: RotateRefreshInput): RotateRefreshResult {
  return ctx.write(() => {
    const row = one(ctx, TOKEN_WITH_GRANT_SQL, input.presentedHash);
    if (row?.kind !== 'refresh') return { outcome: 'not_found' };
    const grantRow = grantColumns(row);
    if (grantRow.client_id !== input.clientId) return { outcome: 'not_found' };
    const presented = tokenFromRow(row);
    const grantId = presented.grantId;
    if (presented.revokedAt !== null || grantRow.revoked_at !== null) return { outcome: 'revoked', grantId };
    if (input.now >= presented.expiresAt) return { outcome: 'expired', grantId };

    let parent: TokenRecord;
    let via: RotationPath;
    if (presented.supersededAt !== null) {
      const inGrace = !input.strict && input.now - presented.supersededAt <= input.graceMs;
      const head = inGrace ? currentHead(ctx, grantId) : null;
      if (!head) {
        return {
          outcome: 'reuse',
          grantId,
          generation: presented.generation,
          supersededAt: presented.supersededAt,
        };
      }
      parent = head;
      via = 'grace';
    } else if (presented.usedAt === null) {
      retireOthers(ctx, presented, input.now);
      parent = presented;
      via = 'confirmed';
    } else {
      parent = presented;
      via = 'repeat';
    }

    // Confirming retired every other live token: nothing left to prune.
    if (via !== 'confirmed') pruneUnconfirmed(ctx, grantId, parent.hash, input.maxUnconfirmed - 1, input.now);
    run(
      ctx,
      `UPDATE tokens SET used_at = coalesce(used_at, ?1), last_used_at = ?1, expires_at = ?2,
              superseded_at = CASE WHEN ?3 THEN ?1 ELSE superseded_at END
        WHERE hash = ?4`,
      input.now,
      input.now + input.refreshIdleMs,
      input.strict ? 1 : 0,
      parent.hash,
    );
    const generation = parent.generation + 1;
    const grantScope = grantRow.scope as string;
    insertToken(
      ctx,
      grantId,
      {
        hash: input.refreshHash,
        kind: 'refresh',
        scope: grantScope,
        generation,
        expiresAt: input.now + input.refreshIdleMs,
      },
      input.now,
    );
    insertToken(
      ctx,
      grantId,
      {
        hash: input.accessHash,
        kind: 'access',
        scope: input.accessScope ?? grantScope,
        generation,
        expiresAt: input.accessExpiresAt,
      },
      input.now,
    );
    // A grant's last use is shown to the minute (`ma-auth tokens`); writing it
    // on every refresh would dirty the grant's page in every batch.
    const stale = input.now - (grantRow.last_used_at as number) >= GRANT_LAST_USED_RESOLUTION_MS;
    if (stale) run(ctx, 'UPDATE grants SET last_used_at = ? WHERE id = ?', input.now, grantId);
    const grant = grantFromRow(stale ? { ...grantRow, last_used_at: input.now } : grantRow);
    return { outcome: 'rotated', grant, generation, via };
  });
}

/** The live, confirmed refresh token of the family, if any. */
function currentHead(ctx: SqliteContext, grantId: string): TokenRecord | null {
  const row = one(
    ctx,
    `SELECT * FROM tokens INDEXED BY tokens_live_refresh
      WHERE grant_id = ? AND kind = 'refresh' AND used_at IS NOT NULL
        AND superseded_at IS NULL AND revoked_at IS NULL
      ORDER BY generation DESC LIMIT 1`,
    grantId,
  );
  return row ? tokenFromRow(row) : null;
}

/** The client proved it stored `token` (confirming it, by the caller's UPDATE): every other live refresh token retires. */
function retireOthers(ctx: SqliteContext, token: TokenRecord, now: number): void {
  run(
    ctx,
    `UPDATE tokens INDEXED BY tokens_live_refresh SET superseded_at = ?
      WHERE grant_id = ? AND kind = 'refresh' AND hash <> ?
        AND superseded_at IS NULL AND revoked_at IS NULL`,
    now,
    token.grantId,
    token.hash,
  );
}

/**
 * Keeps the newest `keep` unconfirmed tokens issued from the head and revokes
 * the rest. Revoked, not retired: presenting one is refused but is no evidence
 * of theft (it was superseded by its own siblings, not by a newer generation).
 */
function pruneUnconfirmed(ctx: SqliteContext, grantId: string, headHash: string, keep: number, now: number) {
  const rows = all(
    ctx,
    `SELECT hash FROM tokens INDEXED BY tokens_live_refresh
      WHERE grant_id = ? AND kind = 'refresh' AND hash <> ? AND used_at IS NULL
        AND superseded_at IS NULL AND revoked_at IS NULL
      ORDER BY created_at DESC, rowid DESC`,
    grantId,
    headHash,
  );
  for (const row of rows.slice(Math.max(0, keep))) {
    run(ctx, 'UPDATE tokens SET revoked_at = ? WHERE hash = ?', now, row.hash as string);
  }
}
