import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { snapshotStore } from '../../src/store/sqlite/snapshot.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ma-auth-snapshot-'));
  file = join(dir, 'store.db');
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA journal_mode = WAL;
    CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT, WITHOUT ROWID;
    CREATE INDEX t_v ON t(v);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
      INSERT INTO t SELECT 'k' || i, i FROM n;`);
  db.close();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('snapshotStore: VACUUM INTO on a thread of its own', () => {
  it('copies the store while the event loop goes on turning', async () => {
    // A writer holds the store open with an uncheckpointed commit: the copy must see it.
    const live = new DatabaseSync(file);
    live.exec(`PRAGMA wal_autocheckpoint = 0; INSERT INTO t VALUES ('last', -1)`);
    let turns = 0;
    let copying = true;
    const turn = () => {
      turns++;
      if (copying) setImmediate(turn);
    };
    setImmediate(turn);
    const target = join(dir, 'copy.db');
    try {
      await snapshotStore(file, target);
    } finally {
      copying = false;
      live.close();
    }
    // On the event loop, the copy of 200,000 rows would have let no turn run until it ended.
    expect(turns).toBeGreaterThan(3);
    const copy = new DatabaseSync(target, { readOnly: true });
    try {
      expect(copy.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 200_001 });
      expect(copy.prepare(`SELECT v FROM t WHERE k = 'last'`).get()).toEqual({ v: -1 });
      expect(copy.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      copy.close();
    }
  });

  it('a file that is not a database: StoreError corrupt, naming the store, and no copy', async () => {
    const bad = join(dir, 'not-a-store.db');
    writeFileSync(bad, 'x'.repeat(8192));
    const target = join(dir, 'copy.db');
    const failure = await snapshotStore(bad, target).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: 'corrupt', message: expect.stringContaining(bad) });
  });

  it('a missing store: not_initialised, before any thread starts', async () => {
    await expect(snapshotStore(join(dir, 'none.db'), join(dir, 'copy.db'))).rejects.toMatchObject({
      code: 'not_initialised',
    });
  });
});
