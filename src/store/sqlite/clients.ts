/** Client registrations on SQLite. */
import { StoreError } from '../errors.js';
import type { ClientPatch } from '../records/maintenance.js';
import type { ClientRecord, NewClient } from '../types.js';
import { all, one, run, type SqliteContext } from './context.js';
import { clientFromRow } from './rows.js';

export function getClient(ctx: SqliteContext, id: string): ClientRecord | null {
  const row = one(ctx, 'SELECT * FROM clients WHERE id = ?', id);
  return row ? clientFromRow(row) : null;
}

export function listClients(ctx: SqliteContext): ClientRecord[] {
  return all(ctx, 'SELECT * FROM clients ORDER BY created_at, id').map(clientFromRow);
}

export function addClient(ctx: SqliteContext, client: NewClient, now: number): void {
  ctx.write(() => {
    if (one(ctx, 'SELECT 1 FROM clients WHERE id = ?', client.id)) {
      throw new StoreError('conflict', `a client with id "${client.id}" already exists`);
    }
    insertClient(ctx, client, now);
  });
}

export function insertClient(ctx: SqliteContext, c: NewClient, now: number): void {
  run(
    ctx,
    `INSERT INTO clients (id, name, role, type, secret_hash, redirect_uris, grant_types, scopes, require_pkce, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    c.id,
    c.name,
    c.role,
    c.type,
    c.secretHash,
    JSON.stringify(c.redirectUris),
    JSON.stringify(c.grantTypes),
    c.scopes.join(' '),
    c.requirePkce ? 1 : 0,
    now,
    now,
  );
}

export function updateClient(ctx: SqliteContext, id: string, patch: ClientPatch, now: number): boolean {
  return ctx.write(() => {
    const current = getClient(ctx, id);
    if (!current) return false;
    applyClientPatch(ctx, current, patch, now);
    return true;
  });
}

/** The UPDATE behind updateClient, for callers already inside a transaction (the legacy import). */
export function applyClientPatch(
  ctx: SqliteContext,
  current: ClientRecord,
  patch: ClientPatch,
  now: number,
): void {
  run(
    ctx,
    `UPDATE clients SET name = ?, secret_hash = ?, redirect_uris = ?, require_pkce = ?, updated_at = ?
      WHERE id = ?`,
    patch.name ?? current.name,
    patch.secretHash === undefined ? current.secretHash : patch.secretHash,
    JSON.stringify(patch.redirectUris ?? current.redirectUris),
    (patch.requirePkce ?? current.requirePkce) ? 1 : 0,
    now,
    current.id,
  );
}

/** Foreign keys cascade: grants (and their tokens), codes, pairings and pending requests go with it. */
export function removeClient(ctx: SqliteContext, id: string): boolean {
  return ctx.write(() => run(ctx, 'DELETE FROM clients WHERE id = ?', id) > 0);
}
