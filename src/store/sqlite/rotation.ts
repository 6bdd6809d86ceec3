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
import type { SQLInputValue } from 'node:sqlite';
import type { RotateRefreshInput, RotateRefreshResult, RotationPath } from '../records/grants.js';
import { all, one, type Row, run, type SqliteContext } from './context.js';
import { insertToken } from './grants.js';
import { grantColumns, grantFromRow, TOKEN_WITH_GRANT_SQL, tokenFromRow, tokenKey } from './rows.js';

/** How stale a grant's `last_used_at` may be. */
export const GRANT_LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The common case — a client presenting the token it was last given — is one
 * read of the token and its grant, two UPDATEs (the token; its retired
 * parent), two INSERTs and the grant's last use (at most once a minute): the
 * token endpoint's whole store cost. Tokens are keyed by (grant, generation,
 * issue order) (migration 4), so all of it but the hash index lands on the
 * family's newest rows, one page.
 *
 * Live refresh tokens are only ever the head's generation and the next one:
 * every rotation issues `head.generation + 1`, and confirming a token retires
 * every other live one. The scans below are bounded by that, not by the
 * family's age (it keeps its retired tokens for reuse detection).
 */
export function rotateRefreshToken(ctx: SqliteContext, input: RotateRefreshInput): RotateRefreshResult {
  return ctx.write(() => {
    const row = one(ctx, TOKEN_WITH_GRANT_SQL, tokenKey(input.presentedHash));
    if (row?.kind !== 'refresh') return { outcome: 'not_found' };
    const grantRow = grantColumns(row);
    if (grantRow.client_id !== input.clientId) return { outcome: 'not_found' };
    const presented = tokenFromRow(row);
    const grantId = presented.grantId;
    if (presented.revokedAt !== null || grantRow.revoked_at !== null) return { outcome: 'revoked', grantId };
    if (input.now >= presented.expiresAt) return { outcome: 'expired', grantId };

    let parent: Row;
    let via: RotationPath;
    if (presented.supersededAt !== null) {
      const inGrace = !input.strict && input.now - presented.supersededAt <= input.graceMs;
      // Whatever retired the presented token is of its generation or newer.
      const head = inGrace ? currentHead(ctx, grantId, presented.generation) : undefined;
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
      retireOthers(ctx, row, input.now);
      parent = row;
      via = 'confirmed';
    } else {
      parent = row;
      via = 'repeat';
    }

    // Confirming retired every other live token: nothing left to prune.
    if (via !== 'confirmed') pruneUnconfirmed(ctx, parent, input.maxUnconfirmed - 1, input.now);
    run(
      ctx,
      `UPDATE tokens SET used_at = coalesce(used_at, ?1), last_used_at = ?1, expires_at = ?2,
              superseded_at = CASE WHEN ?3 THEN ?1 ELSE superseded_at END
        WHERE grant_id = ?4 AND generation = ?5 AND seq = ?6`,
      input.now,
      input.now + input.refreshIdleMs,
      input.strict ? 1 : 0,
      ...primaryKey(parent),
    );
    const generation = (parent.generation as number) + 1;
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

/** A tokens row's primary key, as statement parameters. */
function primaryKey(row: Row): [SQLInputValue, SQLInputValue, SQLInputValue] {
  return [row.grant_id as string, row.generation as number, row.seq as number];
}

/** The live, confirmed refresh token of the family, if any, of `fromGeneration` or newer. */
function currentHead(ctx: SqliteContext, grantId: string, fromGeneration: number): Row | undefined {
  return one(
    ctx,
    `SELECT grant_id, generation, seq FROM tokens
      WHERE grant_id = ? AND generation >= ? AND kind = 'refresh' AND used_at IS NOT NULL
        AND superseded_at IS NULL AND revoked_at IS NULL
      ORDER BY generation DESC LIMIT 1`,
    grantId,
    fromGeneration,
  );
}

/**
 * The client proved it stored `token` (confirming it, by the caller's UPDATE):
 * every other live refresh token retires — its parent, the head, one
 * generation up, and its unconfirmed siblings.
 */
function retireOthers(ctx: SqliteContext, token: Row, now: number): void {
  const generation = token.generation as number;
  run(
    ctx,
    `UPDATE tokens SET superseded_at = ?
      WHERE grant_id = ? AND generation BETWEEN ? AND ? AND kind = 'refresh'
        AND NOT (generation = ? AND seq = ?) AND superseded_at IS NULL AND revoked_at IS NULL`,
    now,
    token.grant_id as string,
    generation - 1,
    generation,
    generation,
    token.seq as number,
  );
}

/**
 * Keeps the newest `keep` unconfirmed tokens issued from the head and revokes
 * the rest. Revoked, not retired: presenting one is refused but is no evidence
 * of theft (it was superseded by its own siblings, not by a newer generation).
 * Newest by issue order.
 */
function pruneUnconfirmed(ctx: SqliteContext, head: Row, keep: number, now: number) {
  const rows = all(
    ctx,
    `SELECT grant_id, generation, seq FROM tokens
      WHERE grant_id = ?1 AND generation >= ?2 AND kind = 'refresh' AND NOT (generation = ?2 AND seq = ?3)
        AND used_at IS NULL AND superseded_at IS NULL AND revoked_at IS NULL
      ORDER BY generation DESC, seq DESC`,
    head.grant_id as string,
    head.generation as number,
    head.seq as number,
  );
  for (const row of rows.slice(Math.max(0, keep))) {
    run(
      ctx,
      'UPDATE tokens SET revoked_at = ? WHERE grant_id = ? AND generation = ? AND seq = ?',
      now,
      ...primaryKey(row),
    );
  }
}
