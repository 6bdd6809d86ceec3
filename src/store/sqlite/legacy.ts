/**
 * The legacy import on SQLite (records/legacy.ts): what was imported before,
 * the import itself in one write transaction, and the migration record and
 * notice flag in `meta`.
 *
 * Statements are prepared once per call, not per row: an import of 100,000
 * legacy tokens is a few hundred thousand inserts in one transaction.
 */
import { seal } from '../../crypto/aead.js';
import { StoreError } from '../errors.js';
import type {
  LegacyImport,
  LegacyImportMark,
  LegacyImportResult,
  LegacyItemKind,
  LegacyState,
  LegacyStateQuery,
  LegacyStatus,
  MigrationRecord,
} from '../records/legacy.js';
import { applyClientPatch, getClient, insertClient } from './clients.js';
import { one, run, type SqliteContext } from './context.js';
import { SEALED } from './sealed-fields.js';

const RECORD = 'legacy_migration';
const NOTICE = 'legacy_notice_shown_at';

export function legacyState(ctx: SqliteContext, query: LegacyStateQuery): LegacyState {
  return {
    clients: marks(ctx, 'client', query.clientIds),
    refreshTokens: marks(ctx, 'refresh_token', query.refreshHashes),
    existingTokens: existing(ctx, query.tokenHashes),
  };
}

/**
 * Point lookups, or one scan when the table holds fewer rows than are asked
 * about (the usual case: a first run against a young store, or a re-run of the
 * same dump) — 100,000 lookups take a second, a scan of as many rows a tenth of that.
 */
function marks(ctx: SqliteContext, kind: LegacyItemKind, ids: readonly string[]) {
  const found = new Map<string, LegacyImportMark>();
  if (ids.length === 0) return found;
  const rows = (one(ctx, 'SELECT count(*) AS n FROM legacy_imports WHERE kind = ?', kind) as { n: number }).n;
  if (rows <= ids.length) {
    const all = new Map<string, LegacyImportMark>();
    for (const row of ctx.db
      .prepare('SELECT legacy_id, target, imported_at FROM legacy_imports WHERE kind = ?')
      .iterate(kind) as Iterable<{ legacy_id: string; target: string; imported_at: number }>) {
      all.set(row.legacy_id, { target: row.target, importedAt: row.imported_at });
    }
    for (const id of ids) {
      const mark = all.get(id);
      if (mark) found.set(id, mark);
    }
    return found;
  }
  const lookup = ctx.db.prepare(
    'SELECT target, imported_at FROM legacy_imports WHERE kind = ? AND legacy_id = ?',
  );
  for (const id of ids) {
    const row = lookup.get(kind, id) as { target: string; imported_at: number } | undefined;
    if (row) found.set(id, { target: row.target, importedAt: row.imported_at });
  }
  return found;
}

function existing(ctx: SqliteContext, hashes: readonly string[]): Set<string> {
  const found = new Set<string>();
  if (hashes.length === 0) return found;
  const rows = (one(ctx, 'SELECT count(*) AS n FROM tokens') as { n: number }).n;
  if (rows <= hashes.length) {
    const all = new Set<string>();
    for (const row of ctx.db.prepare('SELECT hash FROM tokens').iterate() as Iterable<{ hash: string }>) {
      all.add(row.hash);
    }
    for (const hash of hashes) if (all.has(hash)) found.add(hash);
    return found;
  }
  const lookup = ctx.db.prepare('SELECT 1 AS found FROM tokens WHERE hash = ?');
  for (const hash of hashes) if (lookup.get(hash)) found.add(hash);
  return found;
}

export function importLegacy(ctx: SqliteContext, input: LegacyImport): LegacyImportResult {
  const key = ctx.requireKey();
  const nothingToWrite = input.clients.length === 0 && input.grants.length === 0;
  if (nothingToWrite && readRecord(ctx)) {
    // Nothing new, and the migration is on record: leave the file untouched.
    return { written: false, clients: 0, grants: 0, raced: 0, record: readRecord(ctx) };
  }
  return ctx.write(() => {
    const { now } = input;
    const markOf = ctx.db.prepare('SELECT 1 AS found FROM legacy_imports WHERE kind = ? AND legacy_id = ?');
    const tokenExists = ctx.db.prepare('SELECT 1 AS found FROM tokens WHERE hash = ?');
    const addMark = ctx.db.prepare(
      'INSERT INTO legacy_imports (kind, legacy_id, target, imported_at) VALUES (?, ?, ?, ?)',
    );
    const addGrant = ctx.db.prepare(
      `INSERT INTO grants (id, client_id, owner_id, scope, origin, created_at, last_used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const addToken = ctx.db.prepare(
      `INSERT INTO tokens (hash, kind, grant_id, scope, generation, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    let raced = 0;
    let clients = 0;
    for (const write of input.clients) {
      if (markOf.get('client', write.legacyId)) {
        raced++;
        continue;
      }
      const id = 'create' in write ? write.create.id : write.update.id;
      const current = getClient(ctx, id);
      if ('create' in write) {
        if (current) throw conflict(`a client "${id}" was registered while migrating`);
        insertClient(ctx, write.create, now);
      } else {
        if (!current) throw conflict(`the client "${id}" was removed while migrating`);
        applyClientPatch(ctx, current, write.update.patch, now);
      }
      addMark.run('client', write.legacyId, id, now);
      clients++;
    }
    let grants = 0;
    let done = 0;
    for (const write of input.grants) {
      done++;
      if (
        markOf.get('refresh_token', write.refreshHash) ||
        write.tokens.some((t) => tokenExists.get(t.hash))
      ) {
        raced++;
      } else {
        const g = write.grant;
        addGrant.run(g.id, g.clientId, g.ownerId, g.scope, g.origin, now, now);
        for (const t of write.tokens)
          addToken.run(t.hash, t.kind, g.id, t.scope, t.generation, now, t.expiresAt);
        addMark.run('refresh_token', write.refreshHash, g.id, now);
        grants++;
      }
      input.onProgress?.(done, input.grants.length);
    }
    const previous = readRecord(ctx);
    const record: MigrationRecord = {
      firstAt: previous?.firstAt ?? now,
      lastAt: now,
      runs: (previous?.runs ?? 0) + 1,
      clients: (previous?.clients ?? 0) + clients,
      grants: (previous?.grants ?? 0) + grants,
    };
    setMeta(ctx, RECORD, JSON.stringify(record));
    run(
      ctx,
      'INSERT INTO audit_events (at, kind, severity, client_id, grant_id, detail_sealed) VALUES (?, ?, ?, ?, ?, ?)',
      now,
      'migrated',
      'info',
      null,
      null,
      seal(key, JSON.stringify({ ...input.audit, clients, grants, raced }), SEALED.auditDetail.context),
    );
    return { written: true, clients, grants, raced, record };
  });
}

export function legacyStatus(ctx: SqliteContext): LegacyStatus {
  const shown = one(ctx, 'SELECT value FROM meta WHERE name = ?', NOTICE);
  return { migration: readRecord(ctx), noticeShownAt: shown ? Number(shown.value) : null };
}

/** Records that the notice was shown; false when it was already, or a migration is on record. */
export function markLegacyNoticeShown(ctx: SqliteContext, now: number): boolean {
  return ctx.write(() => {
    const status = legacyStatus(ctx);
    if (status.migration || status.noticeShownAt !== null) return false;
    setMeta(ctx, NOTICE, String(now));
    return true;
  });
}

function readRecord(ctx: SqliteContext): MigrationRecord | null {
  const row = one(ctx, 'SELECT value FROM meta WHERE name = ?', RECORD);
  return row ? (JSON.parse(row.value as string) as MigrationRecord) : null;
}

function setMeta(ctx: SqliteContext, name: string, value: string): void {
  run(
    ctx,
    'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    name,
    value,
  );
}

function conflict(what: string): StoreError {
  return new StoreError('conflict', `${what}; nothing was imported. Run ma-auth migrate again.`);
}
