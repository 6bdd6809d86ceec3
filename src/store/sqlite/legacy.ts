/**
 * The legacy import on SQLite (records/legacy.ts): the import itself in one
 * write transaction, what was imported before (`legacy_imports`), and the
 * migration record and notice flag in `meta`.
 */
import type { StatementSync } from 'node:sqlite';
import { seal } from '../../crypto/aead.js';
import { randomId } from '../../crypto/random-token.js';
import type { DataKey } from '../../keys/data-key.js';
import { StoreError } from '../errors.js';
import type {
  LegacyImport,
  LegacyImportMark,
  LegacyImportResult,
  LegacyImportView,
  LegacyStatus,
  MigrationRecord,
  TokenSighting,
} from '../records/legacy.js';
import type { ClientRecord } from '../types.js';
import { applyClientPatch, getClient, insertClient, listClients } from './clients.js';
import { one, run, type SqliteContext } from './context.js';
import { INSERT_TOKEN_SQL } from './grants.js';
import { tokenKey } from './rows.js';
import { SEALED } from './sealed-fields.js';

const RECORD = 'legacy_migration';
const NOTICE = 'legacy_notice_shown_at';

/**
 * The whole import in one write transaction: the ops layer decides each batch
 * of writes through the view, and each is written before the next is decided,
 * so the file is never held in memory and a token two entries share is caught
 * by the second. A dry run, or a run with nothing to write once a migration is on
 * record, rolls back: the file is left untouched.
 */
export function importLegacy(ctx: SqliteContext, input: LegacyImport): LegacyImportResult {
  const key = ctx.requireKey();
  const { cache_size: cacheSize } = one(ctx, 'PRAGMA cache_size') as { cache_size: number };
  ctx.db.exec(`PRAGMA cache_size = -${IMPORT_PAGE_CACHE_KIB}`);
  try {
    return ctx.write(
      () => {
        // Created in the transaction: a failure rolls it back with the rest.
        const view = new ImportView(ctx);
        const result = importAll(ctx, view, input, key);
        view.close();
        return result;
      },
      (result) => result.written,
    );
  } finally {
    ctx.db.exec(`PRAGMA cache_size = ${cacheSize}`);
  }
}

/**
 * The import's page cache, instead of SQLite's 2 MiB. A live legacy access
 * token lands at a random place in the token-hash index (each batch is
 * written in refresh-token order, writeGrants), and with 2 MiB most of those
 * pages had been written out to the WAL and were read back. 100,000 entries,
 * alternating dev runs: median 4.2–4.3 s → 3.7–3.9 s (six pairs, faster in
 * five), peak RSS 86 → 102 MiB. A fixed amount, whatever the store's size;
 * 24 MiB was faster still, but its RSS grew past the bench's 32 MiB.
 */
const IMPORT_PAGE_CACHE_KIB = 16 * 1024;

function importAll(
  ctx: SqliteContext,
  view: ImportView,
  input: LegacyImport,
  key: DataKey,
): LegacyImportResult {
  const { now } = input;
  let clients = 0;
  for (const write of input.clients(view)) {
    const id = 'create' in write ? write.create.id : write.update.id;
    const current = getClient(ctx, id);
    if ('create' in write) {
      if (current) throw new StoreError('conflict', `a client "${id}" already exists`);
      insertClient(ctx, write.create, now);
    } else {
      if (!current) throw new StoreError('conflict', `no client "${id}" to update`);
      applyClientPatch(ctx, current, write.update.patch, now);
    }
    run(ctx, ADD_MARK, 'client', write.legacyId, id, now);
    clients++;
  }
  const grants = writeGrants(ctx, view, input);
  const previous = readRecord(ctx);
  const changed = clients > 0 || grants > 0 || previous === null;
  if (!changed || input.dryRun) return { changed, written: false, clients, grants, record: previous };
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
    seal(key, JSON.stringify({ ...input.audit(), clients, grants }), SEALED.auditDetail.context),
  );
  return { changed: true, written: true, clients, grants, record };
}

const ADD_MARK = 'INSERT INTO legacy_imports (kind, legacy_id, target, imported_at) VALUES (?, ?, ?, ?)';

/**
 * Each batch comes in refresh-hash order, and its grant ids are drawn and
 * sorted to match: the indexes keyed by those (token hash, legacy_imports,
 * grant id, a token's grant) are then filled page after page. In file order
 * nearly every insert missed SQLite's page cache, and 100,000 entries took
 * twice as long. Statements are prepared once per import, not per row.
 */
function writeGrants(ctx: SqliteContext, view: ImportView, input: LegacyImport): number {
  const { now } = input;
  const addMark = ctx.db.prepare(ADD_MARK);
  const addGrant = ctx.db.prepare(
    `INSERT INTO grants (id, client_id, owner_id, scope, origin, created_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const addToken = ctx.db.prepare(INSERT_TOKEN_SQL);
  let grants = 0;
  const ids = new SortedIds();
  for (const batch of input.grants(view)) {
    ids.draw(batch.size);
    let i = 0;
    for (const write of batch.writes) {
      if (i === batch.size) throw new Error('importLegacy: a batch yielded more writes than its size');
      const id = ids.get(i++);
      const g = write.grant;
      const row = addGrant.run(id, g.clientId, g.ownerId, g.scope, g.origin, now, now).lastInsertRowid;
      for (const t of write.tokens) {
        addToken.run(id, t.generation, tokenKey(t.hash), t.kind, t.scope, now, t.expiresAt);
      }
      addMark.run('refresh_token', write.refreshHash, id, now);
      view.wrote(Number(row), write.legacyKey);
    }
    grants += i;
  }
  return grants;
}

/**
 * Grant ids as randomId() makes them, drawn a batch at a time and handed out
 * in the order SQLite sorts them (their bytes: base64url is ASCII). Held as
 * bytes, not strings: nothing per id outlives the batch on the JavaScript heap.
 */
class SortedIds {
  private static readonly LENGTH = randomId().length;
  private text = Buffer.alloc(0);
  private keys = new Float64Array(0);
  private order = new Uint32Array(0);

  draw(n: number): void {
    const size = SortedIds.LENGTH;
    if (this.keys.length < n) {
      this.text = Buffer.alloc(n * size);
      this.keys = new Float64Array(n);
      this.order = new Uint32Array(n);
    }
    const { text, keys } = this;
    for (let i = 0; i < n; i++) {
      text.write(randomId(), i * size, size, 'latin1');
      // The first six bytes decide nearly every comparison.
      keys[i] = text.readUIntBE(i * size, 6);
      this.order[i] = i;
    }
    this.order.subarray(0, n).sort((a, b) => {
      const ka = keys[a] as number;
      const kb = keys[b] as number;
      if (ka !== kb) return ka < kb ? -1 : 1;
      return text.compare(text, b * size, (b + 1) * size, a * size, (a + 1) * size);
    });
  }

  /** The k-th smallest id of the last draw. */
  get(k: number): string {
    const i = this.order[k] as number;
    const size = SortedIds.LENGTH;
    return this.text.toString('latin1', i * size, (i + 1) * size);
  }
}

/**
 * The store as the import sees it. Grants this import wrote are told from older
 * ones by rowid: SQLite gives a new row a rowid above every existing one, and
 * nobody else writes while the import holds the lock. A token is as old as its
 * grant: the import adds tokens only to grants it creates. Which legacy entry
 * brought a grant is kept in a temporary table (on disk, like SQLite's other
 * temporary data on this connection), appended in rowid order.
 */
class ImportView implements LegacyImportView {
  private readonly grantsBefore: number;
  /** No legacy refresh token was imported before: nothing to look up (a first run). */
  private readonly noMarksBefore: boolean;
  private readonly markQuery: StatementSync;
  private readonly tokenQuery: StatementSync;
  private readonly keyQuery: StatementSync;
  private readonly addKey: StatementSync;

  constructor(private readonly ctx: SqliteContext) {
    this.grantsBefore = Number(
      (one(ctx, 'SELECT coalesce(max(rowid), 0) AS n FROM grants') as { n: number }).n,
    );
    this.noMarksBefore = !one(
      ctx,
      "SELECT 1 AS found FROM legacy_imports WHERE kind = 'refresh_token' LIMIT 1",
    );
    ctx.db.exec(
      'CREATE TEMP TABLE legacy_import_keys (grant_row INTEGER PRIMARY KEY, legacy_key TEXT NOT NULL)',
    );
    this.markQuery = ctx.db.prepare(
      `SELECT g.rowid AS grant_row FROM legacy_imports m LEFT JOIN grants g ON g.id = m.target
        WHERE m.kind = 'refresh_token' AND m.legacy_id = ?`,
    );
    this.tokenQuery = ctx.db.prepare(
      'SELECT g.rowid AS grant_row FROM tokens t JOIN grants g ON g.id = t.grant_id WHERE t.hash = ?',
    );
    this.keyQuery = ctx.db.prepare('SELECT legacy_key FROM temp.legacy_import_keys WHERE grant_row = ?');
    this.addKey = ctx.db.prepare('INSERT INTO temp.legacy_import_keys (grant_row, legacy_key) VALUES (?, ?)');
  }

  clients(): readonly ClientRecord[] {
    return listClients(this.ctx);
  }

  clientMark(legacyId: string): LegacyImportMark | null {
    const row = one(
      this.ctx,
      "SELECT target, imported_at FROM legacy_imports WHERE kind = 'client' AND legacy_id = ?",
      legacyId,
    ) as { target: string; imported_at: number } | undefined;
    return row ? { target: row.target, importedAt: row.imported_at } : null;
  }

  importedBefore(refreshHash: string): boolean {
    if (this.noMarksBefore) return false;
    const row = this.markQuery.get(refreshHash) as { grant_row: number | null } | undefined;
    // A mark whose grant is gone (revoked and swept, or removed with its client) is from an earlier run.
    return row !== undefined && (row.grant_row === null || row.grant_row <= this.grantsBefore);
  }

  token(hash: string): TokenSighting | null {
    const row = this.tokenQuery.get(tokenKey(hash)) as { grant_row: number } | undefined;
    if (!row) return null;
    if (row.grant_row <= this.grantsBefore) return { before: true };
    const key = this.keyQuery.get(row.grant_row) as { legacy_key: string } | undefined;
    return { before: false, legacyKey: key?.legacy_key ?? '?' };
  }

  wrote(grantRow: number, legacyKey: string): void {
    this.addKey.run(grantRow, legacyKey);
  }

  close(): void {
    this.ctx.db.exec('DROP TABLE temp.legacy_import_keys');
  }
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
