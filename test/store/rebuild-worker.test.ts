import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkAndReindexOnWorker, QuickCheckFailed } from '../../src/store/sqlite/rebuild-worker.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ma-auth-reindex-'));
  file = join(dir, 'snapshot.db');
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA journal_mode = WAL;
    CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT, WITHOUT ROWID;
    CREATE UNIQUE INDEX t_v ON t(v);`);
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  for (let i = 0; i < 2000; i++) insert.run(`k${i}`, i);
  db.close();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('quick_check and REINDEX on a worker thread (restore verification)', () => {
  it('has closed its connection when it resolves: the caller can write at once', async () => {
    // Enough rows that the rebuild's WAL takes a while to copy back.
    const fill = new DatabaseSync(file);
    fill.exec(`WITH RECURSIVE n(i) AS (SELECT 2000 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
      INSERT INTO t SELECT 'k' || i, i FROM n`);
    fill.close();
    // With no other connection open, the thread's is the file's last: closing
    // it checkpoints the WAL, holding the file locked meanwhile.
    await checkAndReindexOnWorker(file, 20);
    const after = new DatabaseSync(file, { timeout: 0 });
    try {
      after.exec(`INSERT INTO t VALUES ('after', -1)`);
      expect(after.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 300_002 });
    } finally {
      after.close();
    }
  });

  it('rejects with the SQLite error code when rows break a UNIQUE index', async () => {
    // Each step on its own connection: a schema rewritten with writable_schema is read again only by the next.
    const step = (sql: string) => {
      const db = new DatabaseSync(file);
      db.enableDefensive(false);
      db.exec(sql);
      db.close();
    };
    const defineIndexOn = (column: string) =>
      step(`PRAGMA writable_schema = ON;
        UPDATE sqlite_master SET sql = 'CREATE UNIQUE INDEX t_v ON t(${column})' WHERE name = 't_v';
        PRAGMA writable_schema = OFF;`);
    // Values made to repeat behind the index's back: its definition on another column, rebuilt, restored.
    defineIndexOn('k');
    step(`REINDEX t_v; UPDATE t SET v = 7 WHERE k IN ('k1', 'k2')`);
    defineIndexOn('v');
    await expect(checkAndReindexOnWorker(file, 20)).rejects.toMatchObject({
      errcode: 2067,
      message: expect.stringMatching(/UNIQUE constraint failed: t\.v/),
    });
  });
  it("checks the file first: a row that breaks NOT NULL rejects with quick_check's message", async () => {
    const db = new DatabaseSync(file);
    db.enableDefensive(false);
    db.exec(`PRAGMA writable_schema = ON;
      UPDATE sqlite_master SET sql = replace(sql, 'v INTEGER NOT NULL', 'v INTEGER') WHERE name = 't';`);
    db.close();
    const loose = new DatabaseSync(file);
    loose.exec(`INSERT INTO t VALUES ('null', NULL)`);
    loose.enableDefensive(false);
    loose.exec(`PRAGMA writable_schema = ON;
      UPDATE sqlite_master SET sql = replace(sql, 'v INTEGER', 'v INTEGER NOT NULL') WHERE name = 't';`);
    loose.close();
    const failure = await checkAndReindexOnWorker(file, 20).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(QuickCheckFailed);
    expect((failure as QuickCheckFailed).problems).toEqual([expect.stringMatching(/NULL value in t\.v/)]);
  });
});
