/**
 * The install's store as a test sees it: opened with the real key from the
 * install's key file (the same SqliteStore the CLI uses, sharing the file
 * with the running listener), and a logical dump for "nothing changed".
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
import { type DataKey, decodeKey } from '../../../src/keys/data-key.js';
import { cliClientSecret } from '../../../src/oauth/builtin-clients.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { Install } from '../../support/install.js';

/** The data key `init --key-store file` wrote to the config dir. */
export async function dataKey(install: Install): Promise<DataKey> {
  return decodeKey(await readFile(join(install.home, 'config', 'data.key'), 'utf8'));
}

/** What `ma-auth link` authenticates with: derived from the data key, never stored. */
export async function cliSecret(install: Install): Promise<string> {
  return cliClientSecret(await dataKey(install));
}

export async function withStore<T>(install: Install, fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = await SqliteStore.open({ file: install.storeFile, key: await dataKey(install) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Direct SQL on the store file, for what no interface offers (e.g. moving a row's clock back). */
export function withDatabase<T>(install: Install, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(install.storeFile, { timeout: 10_000 });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

type Row = Record<string, unknown>;

export interface StoreDump {
  /** Every row of every table but the audit trail, sorted by content. */
  readonly tables: Readonly<Record<string, readonly Row[]>>;
  /** Audit events, by id and kind (their sealed details are compared by kind only). */
  readonly audit: readonly { readonly id: number; readonly kind: string }[];
}

/**
 * A logical dump: every table's rows (counts and contents, the tokens table
 * included). Sealed columns are compared as stored: nothing re-seals a row
 * that did not change.
 */
export function dumpStore(install: Install): StoreDump {
  return withDatabase(install, (db) => {
    const names = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name as string);
    const tables: Record<string, Row[]> = {};
    for (const name of names) {
      if (name === 'audit_events') continue;
      // Sorted by content: some tables have no rowid, and equality is what matters.
      const rows = (db.prepare(`SELECT * FROM "${name}"`).all() as Row[]).map(hexBlobs);
      tables[name] = rows
        .map((row) => ({ row, key: JSON.stringify(row) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map((r) => r.row);
    }
    const audit = db.prepare('SELECT id, kind FROM audit_events ORDER BY id').all() as {
      id: number;
      kind: string;
    }[];
    return { tables, audit };
  });
}

/** BLOB columns (a token's hash) as hex, as the code that made them sees them. */
function hexBlobs(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row))
    out[k] = v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
  return out;
}

/** The audit kinds appended since `before`. */
export function newAuditKinds(before: StoreDump, after: StoreDump): string[] {
  const seen = new Set(before.audit.map((e) => e.id));
  return after.audit.filter((e) => !seen.has(e.id)).map((e) => e.kind);
}

/**
 * Nothing in the store changed between the dumps, except the audit events
 * named (a refused client authentication is audited by design).
 */
export function expectStoreUnchanged(
  before: StoreDump,
  after: StoreDump,
  audited: readonly string[] = [],
): void {
  expect(after.tables).toEqual(before.tables);
  expect(newAuditKinds(before, after)).toEqual(audited);
}

/** Rows of one table whose JSON differs between the dumps (for "exactly this changed"). */
export function changedTables(before: StoreDump, after: StoreDump): string[] {
  return Object.keys(after.tables).filter(
    (t) => JSON.stringify(after.tables[t]) !== JSON.stringify(before.tables[t]),
  );
}
