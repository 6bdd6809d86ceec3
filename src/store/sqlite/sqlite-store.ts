/**
 * The Store on one SQLite file (node:sqlite). Calls run synchronously inside an
 * async method: the interface stays async for other backends, and SQLite on a
 * local disk answers in microseconds.
 */
import { existsSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { open, seal, sealedKeyId } from '../../crypto/aead.js';
import type { DataKey } from '../../keys/data-key.js';
import { StoreError } from '../errors.js';
import type { Store } from '../store.js';
import type {
  AuditEvent,
  ClientRecord,
  KeyBinding,
  NewAuditEvent,
  NewClient,
  Owner,
  StoreCounts,
} from '../types.js';
import { migrate, openDatabase, schemaVersion, translate, writeTransaction } from './database.js';
import { clientFromRow } from './rows.js';

export interface OpenOptions {
  readonly file: string;
  /** The data key. Without one the store opens for counts and key checks only. */
  readonly key?: DataKey | null;
  /** Create the file when missing (init). Otherwise a missing file is `not_initialised`. */
  readonly create?: boolean;
}

const KEY_CHECK_CONTEXT = 'meta.key_check';
const KEY_CHECK_TEXT = 'ma-auth key check';

export class SqliteStore implements Store {
  private constructor(
    private readonly db: DatabaseSync,
    private readonly file: string,
    private readonly key: DataKey | null,
  ) {}

  static async open(options: OpenOptions): Promise<SqliteStore> {
    if (!options.create && !existsSync(options.file)) {
      throw new StoreError('not_initialised', `no store at ${options.file}. Run: ma-auth init`);
    }
    const db = openDatabase(options.file);
    try {
      migrate(db, options.file);
      const store = new SqliteStore(db, options.file, options.key ?? null);
      store.checkKey();
      return store;
    } catch (err) {
      db.close();
      throw err instanceof StoreError ? err : translate(err, options.file);
    }
  }

  /** The store records which key sealed it; opening with another key is refused, never "repaired". */
  private checkKey(): void {
    if (!this.key) return;
    const check = this.meta('key_check');
    if (!check) return;
    const storedId = sealedKeyId(check);
    if (storedId !== this.key.id) {
      throw new StoreError(
        'key_mismatch',
        `the data key found (id ${this.key.id}) is not the key that sealed the store ${this.file} (id ${storedId})`,
      );
    }
    if (open(this.key, check, KEY_CHECK_CONTEXT).toString('utf8') !== KEY_CHECK_TEXT) {
      throw new StoreError('key_mismatch', `the store's key check does not verify with key ${this.key.id}`);
    }
  }

  private requireKey(): DataKey {
    if (!this.key) throw new StoreError('key_required', 'this operation needs the data key');
    return this.key;
  }

  private meta(name: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }

  private setMeta(name: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
      )
      .run(name, value);
  }

  private write<T>(fn: () => T): T {
    try {
      return writeTransaction(this.db, fn);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw translate(err, this.file);
    }
  }

  async schemaVersion(): Promise<number> {
    return schemaVersion(this.db);
  }

  async keyBinding(): Promise<KeyBinding | null> {
    const check = this.meta('key_check');
    return check ? { keyId: sealedKeyId(check) } : null;
  }

  async initialise(setup: { owner: Owner; clients: readonly NewClient[]; now: number }): Promise<void> {
    const key = this.requireKey();
    this.write(() => {
      if (this.meta('key_check')) {
        throw new StoreError('already_initialised', `the store ${this.file} is already set up`);
      }
      this.setMeta('key_check', seal(key, KEY_CHECK_TEXT, KEY_CHECK_CONTEXT));
      this.setMeta('owner_id', setup.owner.id);
      this.setMeta(
        'owner_profile_sealed',
        seal(key, JSON.stringify({ name: setup.owner.name }), 'meta.owner_profile'),
      );
      this.setMeta('created_at', String(setup.now));
      for (const client of setup.clients) this.insertClient(client, setup.now);
    });
  }

  async owner(): Promise<Owner | null> {
    const id = this.meta('owner_id');
    const profile = this.meta('owner_profile_sealed');
    if (!id || !profile) return null;
    const { name } = JSON.parse(open(this.requireKey(), profile, 'meta.owner_profile').toString('utf8'));
    return { id, name };
  }

  async getClient(id: string): Promise<ClientRecord | null> {
    const row = this.db.prepare('SELECT * FROM clients WHERE id = ?').get(id);
    return row ? clientFromRow(row) : null;
  }

  async listClients(): Promise<ClientRecord[]> {
    return this.db.prepare('SELECT * FROM clients ORDER BY created_at, id').all().map(clientFromRow);
  }

  async addClient(client: NewClient, now: number): Promise<void> {
    this.write(() => {
      if (this.db.prepare('SELECT 1 FROM clients WHERE id = ?').get(client.id)) {
        throw new StoreError('conflict', `a client with id "${client.id}" already exists`);
      }
      this.insertClient(client, now);
    });
  }

  private insertClient(c: NewClient, now: number): void {
    this.db
      .prepare(
        `INSERT INTO clients (id, name, role, type, secret_hash, redirect_uris, grant_types, scopes, require_pkce, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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

  async appendAudit(event: NewAuditEvent): Promise<void> {
    const key = this.requireKey();
    this.write(() => {
      this.db
        .prepare(
          'INSERT INTO audit_events (at, kind, severity, client_id, grant_id, detail_sealed) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          event.at,
          event.kind,
          event.severity,
          event.clientId,
          event.grantId,
          seal(key, JSON.stringify(event.detail), 'audit.detail'),
        );
    });
  }

  async listAudit(filter: {
    since?: number;
    kinds?: readonly string[];
    limit?: number;
  }): Promise<AuditEvent[]> {
    const key = this.requireKey();
    const kinds = filter.kinds ?? [];
    const rows = this.db
      .prepare(
        `SELECT * FROM audit_events WHERE at >= ? ${kinds.length ? `AND kind IN (${kinds.map(() => '?').join(',')})` : ''}
         ORDER BY at DESC, id DESC LIMIT ?`,
      )
      .all(filter.since ?? 0, ...kinds, filter.limit ?? 1000) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as number,
      kind: r.kind as string,
      severity: r.severity as AuditEvent['severity'],
      clientId: (r.client_id as string | null) ?? null,
      grantId: (r.grant_id as string | null) ?? null,
      detail: r.detail_sealed
        ? JSON.parse(open(key, r.detail_sealed as string, 'audit.detail').toString('utf8'))
        : {},
    }));
  }

  async counts(now: number): Promise<StoreCounts> {
    const one = (sql: string, ...args: number[]) => (this.db.prepare(sql).get(...args) as { n: number }).n;
    return {
      clients: one('SELECT count(*) AS n FROM clients'),
      activeGrants: one(
        `SELECT count(*) AS n FROM grants g WHERE g.revoked_at IS NULL AND EXISTS
           (SELECT 1 FROM tokens t WHERE t.grant_id = g.id AND t.revoked_at IS NULL AND t.expires_at > ?)`,
        now,
      ),
      pendingPairings: one(
        `SELECT count(*) AS n FROM device_authorizations WHERE status = 'pending' AND expires_at > ?`,
        now,
      ),
    };
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
