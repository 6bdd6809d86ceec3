/**
 * `ma-auth restore` against real installs: the round trip (same key, and a
 * passphrase backup onto another install with another key), every kind of
 * damaged or wrong input refused with the store untouched, schema versions,
 * confirmation and rollback.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_CLIENT_ID, cliClientSecret } from '../../src/oauth/builtin-clients.js';
import { token } from '../../src/oauth/token.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import type { Install } from '../support/install.js';
import {
  afterKeyChange,
  backupDir,
  basic,
  cli,
  countActive,
  fileSha256,
  freshInstall,
  installKey,
  keyIndependent,
  logicalDump,
  META,
  PASSPHRASE,
  type Population,
  populate,
  removeInstall,
  withStore,
} from './support.js';

async function backup(install: Install, args: string[], input?: string): Promise<string> {
  const r = await cli(install, ['backup', ...args, '--json'], input === undefined ? {} : { input });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).file as string;
}

/** The store file's bytes, and its WAL's when it holds any (SQLite removes an empty one when the last connection closes). */
async function storeChecksums(install: Install): Promise<string[]> {
  const wal = `${install.storeFile}-wal`;
  const walBytes = existsSync(wal) ? await readFile(wal) : Buffer.alloc(0);
  return [await fileSha256(install.storeFile), walBytes.length > 0 ? await fileSha256(wal) : 'empty'];
}

describe('ma-auth restore: round trips', () => {
  let install: Install;
  let population: Population;
  beforeAll(async () => {
    install = await freshInstall();
    population = await populate(install);
  });
  afterAll(async () => {
    await removeInstall(install);
  });

  it('back up, wipe the store, restore: the same logical content, every token works again', async () => {
    const key = await installKey(install);
    const before = logicalDump(install.storeFile, key);
    const file = await backup(install, ['--with-key']);
    for (const suffix of ['', '-wal', '-shm']) await rm(install.storeFile + suffix, { force: true });

    const r = await cli(install, ['restore', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ event: 'restored', resealed: 0, expiredPairings: 0, previous: null });
    expect(logicalDump(install.storeFile, key)).toEqual(before);
    expect(await countActive(install, population.activeTokens)).toBe(population.activeTokens.length);
  });

  it('a passphrase backup onto a fresh MA_AUTH_HOME with another data key: re-sealed, tokens work, pairings waiting are dropped', async () => {
    const source = await installKey(install);
    const sourceDump = logicalDump(install.storeFile, source);
    const file = await backup(install, ['--passphrase-stdin'], PASSPHRASE);
    const other = await freshInstall();
    try {
      const otherKey = await installKey(other);
      expect(otherKey.id).not.toBe(source.id);
      const r = await cli(other, ['restore', file, '--passphrase-stdin', '--yes', '--json'], {
        input: PASSPHRASE,
      });
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout);
      const dropped = afterKeyChange(sourceDump);
      expect(dropped.pendingPairings).toBeGreaterThan(0);
      expect(dropped.attemptCounters).toBeGreaterThan(0);
      expect(result).toMatchObject({
        event: 'restored',
        backupKeyId: source.id,
        keyId: otherKey.id,
        expiredPairings: dropped.pendingPairings,
        droppedAttemptCounters: dropped.attemptCounters,
      });
      expect(result.resealed).toBeGreaterThan(0);
      expect(result.previous).toMatch(/pre-restore-.*\.backup$/);

      // Same content, every sealed value now opens with the other install's key.
      const restored = logicalDump(other.storeFile, otherKey);
      expect(keyIndependent(restored)).toEqual(keyIndependent(sourceDump));
      const db = new DatabaseSync(other.storeFile, { readOnly: true });
      const ids = db.prepare(`SELECT value FROM meta WHERE name = 'key_check'`).get() as { value: string };
      db.close();
      expect(ids.value.split('.')[1]).toBe(otherKey.id);

      // The old tokens, the old Alexa secret and the old Music Assistant secret work there.
      expect(await countActive(other, population.activeTokens)).toBe(population.activeTokens.length);
      expect(
        (await readFile(join(other.home, 'config', 'music-assistant-client.secret'), 'utf8')).trim(),
      ).toBe(install.musicAssistant.clientSecret);
      await withStore(other, async (_store, deps) => {
        const refreshed = await token(
          {
            authorization: basic(install.alexa.clientId, install.alexa.clientSecret),
            body: { grant_type: 'refresh_token', refresh_token: population.alexa.refreshToken },
          },
          deps,
          META,
        );
        expect(refreshed.access_token).toMatch(/^maa_at_/);
        // And new pairings work under the new key (the CLI secret is derived from it).
        const { deviceAuthorization } = await import('../../src/oauth/device-authorization.js');
        await deviceAuthorization(
          {
            body: { client_id: CLI_CLIENT_ID, client_secret: cliClientSecret(otherKey), scope: 'music.read' },
          },
          deps,
          META,
        );
      });
      const status = await cli(other, ['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).key.matchesStore).toBe(true);
    } finally {
      await removeInstall(other);
    }
  }, 60_000);

  it('asks on a terminal only: without one, --yes is required (usage error before anything is read)', async () => {
    const file = await backup(install, ['--with-key']);
    const r = await cli(install, ['restore', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    const none = await cli(install, ['restore', '--yes']);
    expect(none.code).toBe(2);
  });

  it('--rollback undoes the last restore, and is itself undoable', async () => {
    const key = await installKey(install);
    const original = logicalDump(install.storeFile, key);
    const file = await backup(install, ['--with-key']);
    // Change the store after the backup: one more device client.
    await withStore(install, async (store) => {
      await store.removeClient('kitchen-speaker');
    });
    const changed = logicalDump(install.storeFile, key);
    expect(changed).not.toEqual(original);
    expect((await cli(install, ['restore', file, '--yes'])).code).toBe(0);
    expect(logicalDump(install.storeFile, key)).toEqual(original);
    const back = await cli(install, ['restore', '--rollback', '--yes', '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).event).toBe('rolled_back');
    expect(logicalDump(install.storeFile, key)).toEqual(changed);
    expect((await cli(install, ['restore', '--rollback', '--yes'])).code).toBe(0);
    expect(logicalDump(install.storeFile, key)).toEqual(original);
  });

  it('restores a backup from an older schema (migrated), refuses one from a newer schema', async () => {
    if (MIGRATIONS.length < 2) return; // needs a schema to be older than
    const key = await installKey(install);
    const now = logicalDump(install.storeFile, key);
    // An older store: the same data at schema version 1 (what an older ma-auth wrote).
    const old = join(install.home, '..', 'v1.db');
    await rm(old, { force: true });
    const db = new DatabaseSync(old);
    db.exec(MIGRATIONS[0] as string);
    db.exec('PRAGMA user_version = 1');
    db.prepare('ATTACH DATABASE ? AS live').run(install.storeFile);
    const v1Tables = (
      db
        .prepare(`SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .all() as { name: string }[]
    ).map((r) => r.name);
    for (const t of v1Tables) {
      const names = (db.prepare(`PRAGMA main.table_info("${t}")`).all() as { name: string }[]).map(
        (c) => `"${c.name}"`,
      );
      const cols = names.join(', ');
      // Version 1 kept a token's hash as hex text (migration 4 made it 32 bytes).
      const values = names
        .map((c) => (t === 'tokens' && c === '"hash"' ? 'lower(hex("hash"))' : c))
        .join(', ');
      db.exec(`INSERT INTO main."${t}" (${cols}) SELECT ${values} FROM live."${t}"`);
    }
    db.exec('DELETE FROM main.sqlite_sequence');
    db.exec('INSERT INTO main.sqlite_sequence SELECT * FROM live.sqlite_sequence');
    db.exec('DETACH DATABASE live');
    db.close();
    const { createBackup } = await import('../../src/ops/backup/create.js');
    const oldBackup = join(install.home, '..', 'v1.backup');
    await rm(oldBackup, { force: true });
    await createBackup({
      storeFile: old,
      key,
      target: oldBackup,
      seal: { kind: 'data-key' },
      workDir: join(install.home, '..'),
      now: Date.now(),
    });
    const r = await cli(install, ['restore', oldBackup, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).migratedFrom).toBe(1);
    expect(logicalDump(install.storeFile, key)).toEqual(now);

    // A newer one: the header says so, and it is refused before any question.
    const newer = join(install.home, '..', 'newer.db');
    await rm(newer, { force: true });
    const copy = new DatabaseSync(install.storeFile);
    copy.prepare('VACUUM INTO ?').run(newer);
    copy.close();
    const n = new DatabaseSync(newer);
    n.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    n.close();
    const newerBackup = join(install.home, '..', 'newer.backup');
    await rm(newerBackup, { force: true });
    await createBackup({
      storeFile: newer,
      key,
      target: newerBackup,
      seal: { kind: 'data-key' },
      workDir: join(install.home, '..'),
      now: Date.now(),
    });
    const refused = await cli(install, ['restore', newerBackup, '--yes']);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain(`schema version ${MIGRATIONS.length + 1}, written by a newer ma-auth`);
    expect(refused.stderr).toContain('Nothing was changed');
    expect(logicalDump(install.storeFile, key)).toEqual(now);
  });
});

describe('ma-auth restore: damaged, modified or wrong input is refused, the store untouched', () => {
  let install: Install;
  let passphraseFile: string;
  let keyFileBackup: string;
  let bytes: Buffer;
  beforeAll(async () => {
    install = await freshInstall();
    await populate(install);
    passphraseFile = await backup(install, ['--passphrase-stdin'], PASSPHRASE);
    keyFileBackup = await backup(install, ['--with-key']);
    bytes = await readFile(passphraseFile);
    // More state after the backups, so a restore would visibly change the store.
    await populate(install, 1);
  });
  afterAll(async () => {
    await removeInstall(install);
  });

  const headerLength = () => 12 + bytes.readUInt32BE(8);
  const cases: [string, () => Buffer, number, RegExp][] = [
    [
      'a flipped byte in the header',
      () => {
        const b = Buffer.from(bytes);
        const at = b.indexOf('createdAt') + 14; // a digit of the year
        b[at] = b[at] === 0x31 ? 0x32 : 0x31;
        return b;
      },
      8,
      /failed authentication at chunk 1 of \d+: it was modified, truncated or extended/,
    ],
    [
      'a flipped byte in the body',
      () => {
        const b = Buffer.from(bytes);
        b[headerLength() + 70_000] ^= 0x01;
        return b;
      },
      8,
      /failed authentication at chunk 2 of/,
    ],
    [
      'a flipped byte in a tag',
      () => {
        const b = Buffer.from(bytes);
        b[b.length - 3] ^= 0x80;
        return b;
      },
      8,
      /failed authentication at chunk \d+ of/,
    ],
    ['truncated mid-chunk', () => bytes.subarray(0, bytes.length - 100), 8, /failed authentication at chunk/],
    [
      'truncated at a chunk boundary',
      () => bytes.subarray(0, headerLength() + 65536 + 16),
      8,
      /failed authentication at chunk 1 of 1/,
    ],
    [
      'appended to',
      () => Buffer.concat([bytes, Buffer.from('trailing garbage')]),
      8,
      /failed authentication/,
    ],
    [
      'not a backup at all',
      () => Buffer.from('SQLite format 3\0 or anything else'),
      8,
      /is not an ma-auth backup/,
    ],
  ];

  for (const [name, damage, exit, message] of cases) {
    it(`${name}: exit ${exit}, a clear message, the store unchanged`, async () => {
      const file = join(install.home, '..', `damaged-${name.replaceAll(' ', '-')}.backup`);
      await writeFile(file, damage());
      const key = await installKey(install);
      const dump = logicalDump(install.storeFile, key);
      const sums = await storeChecksums(install);
      const r = await cli(install, ['restore', file, '--passphrase-stdin', '--yes'], { input: PASSPHRASE });
      expect(r.code, r.stderr).toBe(exit);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('Nothing was changed');
      expect(await storeChecksums(install)).toEqual(sums);
      expect(logicalDump(install.storeFile, key)).toEqual(dump);
      const v = await cli(install, ['backup', '--verify', file, '--passphrase-stdin'], { input: PASSPHRASE });
      expect(v.code).toBe(exit);
      expect(v.stderr).toMatch(message);
      expect((await readdir(join(install.home, 'data'))).filter((n) => n.startsWith('.ma-auth'))).toEqual([]);
    });
  }

  it('a wrong passphrase: exit 4, says so, the store unchanged', async () => {
    const sums = await storeChecksums(install);
    const r = await cli(install, ['restore', passphraseFile, '--passphrase-stdin', '--yes'], {
      input: 'not the passphrase at all',
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('wrong passphrase');
    expect(await storeChecksums(install)).toEqual(sums);
  });

  it('a --with-key backup on an install with another key: exit 4, names both keys, the other store unchanged', async () => {
    const other = await freshInstall();
    try {
      const sums = await storeChecksums(other);
      const r = await cli(other, ['restore', keyFileBackup, '--yes']);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`was sealed with data key ${(await installKey(install)).id}`);
      expect(r.stderr).toContain(`the data key here is ${(await installKey(other)).id}`);
      expect(r.stderr).toContain('a passphrase backup opens anywhere');
      expect(await storeChecksums(other)).toEqual(sums);
    } finally {
      await removeInstall(other);
    }
  });

  it('no pre-restore backup is written when the restore is refused', async () => {
    const names = await readdir(backupDir(install));
    expect(names.filter((n) => n.startsWith('pre-restore'))).toEqual([]);
  });
});

describe('ma-auth restore: indexes are built from the rows, never taken from the file', () => {
  let install: Install;
  beforeAll(async () => {
    install = await freshInstall();
    await populate(install);
    // Rows in the WITHOUT ROWID table too (copied row by row, not page by page: replace.ts).
    const db = new DatabaseSync(install.storeFile);
    const mark = db.prepare(
      'INSERT INTO legacy_imports (kind, legacy_id, target, imported_at) VALUES (?, ?, ?, ?)',
    );
    for (let i = 0; i < 3; i++) mark.run('refresh_token', `legacy-${i}`, `grant-${i}`, Date.now());
    db.close();
  });
  afterAll(async () => {
    await removeInstall(install);
  });

  /**
   * A data-key backup of a copy of the store altered by `steps`, each on its
   * own connection (a schema rewritten with writable_schema is read again
   * only by the next), with SQLite's defensive mode off — what a damaged
   * store, or a bug, could leave.
   */
  async function backupOfAlteredCopy(
    label: string,
    ...steps: ((db: DatabaseSync) => void)[]
  ): Promise<string> {
    const copy = join(install.home, '..', `${label}.db`);
    const file = join(install.home, '..', `${label}.backup`);
    await rm(copy, { force: true });
    await rm(file, { force: true });
    const live = new DatabaseSync(install.storeFile);
    live.prepare('VACUUM INTO ?').run(copy);
    live.close();
    for (const step of steps) {
      const db = new DatabaseSync(copy);
      db.enableDefensive(false);
      step(db);
      db.close();
    }
    const { createBackup } = await import('../../src/ops/backup/create.js');
    await createBackup({
      storeFile: copy,
      key: await installKey(install),
      target: file,
      seal: { kind: 'data-key' },
      workDir: join(install.home, '..'),
      now: Date.now(),
    });
    return file;
  }

  const setIndexSql = (db: DatabaseSync, name: string, sql: string) => {
    db.exec('PRAGMA writable_schema = ON');
    db.prepare('UPDATE sqlite_master SET sql = ? WHERE type = ? AND name = ?').run(sql, 'index', name);
    db.exec('PRAGMA writable_schema = OFF');
  };
  /** Rewrites a clause of `table`'s definition (its primary key, a column's constraint). */
  const rewriteTable = (db: DatabaseSync, table: string, from: string, to: string) => {
    const { sql } = db
      .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`)
      .get(table) as {
      sql: string;
    };
    if (!sql.includes(from)) throw new Error(`${table} has no ${from}`);
    db.exec('PRAGMA writable_schema = ON');
    db.prepare('UPDATE sqlite_master SET sql = ? WHERE type = ? AND name = ?').run(
      sql.replace(from, to),
      'table',
      table,
    );
    db.exec('PRAGMA writable_schema = OFF');
  };
  /** A sealed value with one base64url character of its ciphertext changed: well formed, not authentic. */
  const tampered = (sealed: string): string => {
    const parts = sealed.split('.');
    const body = parts[3] as string;
    parts[3] = (body[0] === 'A' ? 'B' : 'A') + body.slice(1);
    return parts.join('.');
  };
  const TOKENS_PK = 'PRIMARY KEY (grant_id, generation, seq)';
  /**
   * What the restore report's `after` must say, counted here row by row on a
   * sound store. Counted through the altered copy's indexes, the report is
   * wrong (0 active grants with the skewed tokens_expires): restore must count
   * only once the indexes are rebuilt.
   */
  const factsOf = (file: string) => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const rows = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .all() as { name: string }[];
      const tables = Object.fromEntries(
        rows.map(({ name }) => [
          name,
          (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
        ]),
      );
      const now = Date.now();
      const live = new Set(
        (
          db.prepare('SELECT grant_id, revoked_at, superseded_at, expires_at FROM tokens').all() as {
            grant_id: string;
            revoked_at: number | null;
            superseded_at: number | null;
            expires_at: number;
          }[]
        )
          .filter((t) => t.revoked_at === null && t.superseded_at === null && t.expires_at > now + 60_000)
          .map((t) => t.grant_id),
      );
      const grants = db.prepare('SELECT id, revoked_at FROM grants').all() as {
        id: string;
        revoked_at: number | null;
      }[];
      return { tables, activeGrants: grants.filter((g) => g.revoked_at === null && live.has(g.id)).length };
    } finally {
      db.close();
    }
  };
  const integrity = (file: string) => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      );
    } finally {
      db.close();
    }
  };

  it('an index out of step with its rows (backup --verify reports it): restored with the index rebuilt', async () => {
    const key = await installKey(install);
    const dump = logicalDump(install.storeFile, key);
    // tokens_expires filled with created_at values, then declared on expires_at again.
    const original = 'CREATE INDEX tokens_expires ON tokens(expires_at)';
    const file = await backupOfAlteredCopy(
      'skewed-index',
      (db) => setIndexSql(db, 'tokens_expires', 'CREATE INDEX tokens_expires ON tokens(created_at)'),
      (db) => db.exec('REINDEX tokens_expires'),
      (db) => setIndexSql(db, 'tokens_expires', original),
    );
    const verify = await cli(install, ['backup', '--verify', file]);
    expect(verify.code).toBe(8);
    expect(verify.stderr).toMatch(/missing from index tokens_expires/);

    const facts = factsOf(install.storeFile);
    expect(facts.activeGrants).toBeGreaterThan(0);
    const r = await cli(install, ['restore', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(integrity(install.storeFile)).toEqual(['ok']);
    expect(logicalDump(install.storeFile, key)).toEqual(dump);
    expect(dump.legacy_imports).toHaveLength(3);
    expect(JSON.parse(r.stdout).after).toMatchObject(facts);
  });

  it("a WITHOUT ROWID table's b-tree out of key order (no integrity check sees it): restored in order, every row found by its key", async () => {
    const key = await installKey(install);
    const dump = logicalDump(install.storeFile, key);
    // Declared descending, rebuilt so, declared ascending again: the tokens
    // b-tree's keys run backwards under the definition it is read with.
    const file = await backupOfAlteredCopy(
      'tokens-reversed',
      (db) => rewriteTable(db, 'tokens', TOKENS_PK, 'PRIMARY KEY (grant_id DESC, generation, seq)'),
      (db) => db.exec('REINDEX tokens'),
      (db) => rewriteTable(db, 'tokens', 'PRIMARY KEY (grant_id DESC, generation, seq)', TOKENS_PK),
    );
    const facts = factsOf(install.storeFile);
    expect(facts.activeGrants).toBeGreaterThan(0);
    const r = await cli(install, ['restore', file, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).after).toMatchObject(facts);
    expect(integrity(install.storeFile)).toEqual(['ok']);
    expect(logicalDump(install.storeFile, key)).toEqual(dump);
    const db = new DatabaseSync(install.storeFile, { readOnly: true });
    try {
      const keys = db.prepare('SELECT grant_id, generation, seq FROM tokens').all() as {
        grant_id: string;
        generation: number;
        seq: number;
      }[];
      expect(keys.length).toBeGreaterThan(2);
      const byKey = db.prepare(
        'SELECT 1 AS found FROM tokens WHERE grant_id = ? AND generation = ? AND seq = ?',
      );
      const missed = keys.filter((k) => byKey.get(k.grant_id, k.generation, k.seq) === undefined);
      expect(missed).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('rows that repeat a WITHOUT ROWID primary key: refused, the store untouched', async () => {
    const key = await installKey(install);
    const dump = logicalDump(install.storeFile, key);
    const sums = await storeChecksums(install);
    // A second row under one token's key, added while the key was declared
    // wider (the row layout is the same; the indexes, whose entries carry the
    // key, dropped meanwhile), then the key declared as it is.
    const wider = 'PRIMARY KEY (grant_id, generation, seq, hash)';
    const file = await backupOfAlteredCopy(
      'pk-repeated',
      (db) => db.exec('DROP INDEX tokens_hash; DROP INDEX tokens_expires'),
      (db) => rewriteTable(db, 'tokens', TOKENS_PK, wider),
      (db) =>
        db.exec(
          `INSERT INTO tokens SELECT grant_id, generation, seq, randomblob(32), kind, scope, created_at,
             expires_at, used_at, last_used_at, superseded_at, revoked_at FROM tokens LIMIT 1`,
        ),
      (db) => rewriteTable(db, 'tokens', wider, TOKENS_PK),
      (db) =>
        db.exec(
          'CREATE UNIQUE INDEX tokens_hash ON tokens(hash); CREATE INDEX tokens_expires ON tokens(expires_at)',
        ),
    );
    const r = await cli(install, ['restore', file, '--yes']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(
      /breaks a unique index: UNIQUE constraint failed: tokens\.grant_id, tokens\.generation, tokens\.seq/,
    );
    expect(r.stderr).toContain('Nothing was changed');
    expect(await storeChecksums(install)).toEqual(sums);
    expect(logicalDump(install.storeFile, key)).toEqual(dump);
  });

  // Opened while the indexes are rebuilt (open.ts), through the tables alone: still every one.
  for (const [what, table, where] of [
    ["the owner's profile (a row of meta)", 'meta', "name = 'owner_profile_sealed'"],
    [
      'an audit detail',
      'audit_events',
      'rowid = (SELECT max(rowid) FROM audit_events WHERE detail_sealed IS NOT NULL)',
    ],
  ] as const) {
    it(`a sealed value that does not open — ${what}: refused, the store untouched`, async () => {
      const sums = await storeChecksums(install);
      const column = table === 'meta' ? 'value' : 'detail_sealed';
      const file = await backupOfAlteredCopy(`sealed-${table}`, (db) => {
        const row = db.prepare(`SELECT rowid AS r, ${column} AS v FROM ${table} WHERE ${where}`).get() as {
          r: number;
          v: string;
        };
        db.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`).run(tampered(row.v), row.r);
      });
      const saves = async () =>
        (await readdir(backupDir(install))).filter((n) => n.startsWith('pre-restore'));
      const savedBefore = await saves();
      // With --yes the values are opened beside the swap's copy, which then rolls back (restore.ts).
      const r = await cli(install, ['restore', file, '--yes']);
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/not usable \(sealed value failed authentication/);
      expect(r.stderr).toContain('Nothing was changed');
      expect(await storeChecksums(install)).toEqual(sums);
      // The save of the current store, taken while the backup was verified, is gone again.
      expect(await saves()).toEqual(savedBefore);
    });
  }

  it('a row that breaks NOT NULL (what quick_check finds) and a sealed value that does not open: refused for the row, the store untouched', async () => {
    const key = await installKey(install);
    const dump = logicalDump(install.storeFile, key);
    const sums = await storeChecksums(install);
    // The check runs on the worker while the sealed values are opened here
    // (snapshot.ts checkAndRebuild): what it finds is what is reported.
    const notNull = 'owner_id       TEXT NOT NULL';
    const file = await backupOfAlteredCopy(
      'not-null-broken',
      (db) => rewriteTable(db, 'grants', notNull, 'owner_id       TEXT'),
      (db) => db.exec('UPDATE grants SET owner_id = NULL WHERE rowid = (SELECT min(rowid) FROM grants)'),
      (db) => rewriteTable(db, 'grants', 'owner_id       TEXT', notNull),
      (db) => {
        const row = db.prepare(`SELECT value AS v FROM meta WHERE name = 'owner_profile_sealed'`).get() as {
          v: string;
        };
        db.prepare(`UPDATE meta SET value = ? WHERE name = 'owner_profile_sealed'`).run(tampered(row.v));
      },
    );
    const r = await cli(install, ['restore', file, '--yes']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/fails SQLite's integrity check: NULL value in grants\.owner_id/);
    expect(r.stderr).not.toContain('sealed value');
    expect(r.stderr).toContain('Nothing was changed');
    expect(await storeChecksums(install)).toEqual(sums);
    expect(logicalDump(install.storeFile, key)).toEqual(dump);
    expect((await readdir(join(install.home, 'data'))).filter((n) => n.startsWith('.ma-auth'))).toEqual([]);
  });

  it('tokens whose grant is missing (a broken foreign key): refused by restore and by backup --verify, the store untouched', async () => {
    const key = await installKey(install);
    const dump = logicalDump(install.storeFile, key);
    const sums = await storeChecksums(install);
    const file = await backupOfAlteredCopy('orphans', (db) => {
      db.exec('PRAGMA foreign_keys = OFF');
      db.exec(
        'DELETE FROM grants WHERE rowid = (SELECT min(rowid) FROM grants WHERE id IN (SELECT grant_id FROM tokens))',
      );
    });
    const saves = async () =>
      existsSync(backupDir(install))
        ? (await readdir(backupDir(install))).filter((n) => n.startsWith('pre-restore'))
        : [];
    const savedBefore = await saves();
    // With --yes the foreign keys are checked beside the swap's copy, which then rolls back (restore.ts).
    const r = await cli(install, ['restore', file, '--yes']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/not usable \(the snapshot has \d+ rows whose parent row is missing\)/);
    expect(r.stderr).toContain('Nothing was changed');
    expect(await storeChecksums(install)).toEqual(sums);
    expect(logicalDump(install.storeFile, key)).toEqual(dump);
    expect(await saves()).toEqual(savedBefore);
    expect((await readdir(join(install.home, 'data'))).filter((n) => n.startsWith('.ma-auth'))).toEqual([]);
    // Verification checks them before anything else would use the file.
    const v = await cli(install, ['backup', '--verify', file]);
    expect(v.code).toBe(8);
    expect(v.stderr).toMatch(/rows whose parent row is missing/);
  });

  it('rows that break a UNIQUE index: refused, the store untouched', async () => {
    const key = await installKey(install);
    const dump = logicalDump(install.storeFile, key);
    const sums = await storeChecksums(install);
    // Every Alexa grant holds two refresh tokens (one rotation): (grant_id, kind) repeats.
    const file = await backupOfAlteredCopy('unique-broken', (db) =>
      setIndexSql(db, 'tokens_expires', 'CREATE UNIQUE INDEX tokens_expires ON tokens(grant_id, kind)'),
    );
    const r = await cli(install, ['restore', file, '--yes']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(
      /breaks a unique index: UNIQUE constraint failed: tokens\.grant_id, tokens\.kind/,
    );
    expect(r.stderr).toContain('Nothing was changed');
    expect(await storeChecksums(install)).toEqual(sums);
    expect(logicalDump(install.storeFile, key)).toEqual(dump);
    expect((await readdir(join(install.home, 'data'))).filter((n) => n.startsWith('.ma-auth'))).toEqual([]);
  });
});
