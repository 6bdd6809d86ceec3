/**
 * replaceContents: the swap's copy runs on its own thread and commits only
 * once the caller's work beside it has succeeded; until then, and after any
 * failure, the live store is as it was. Real SQLite files in WAL mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { replaceContents } from '../../src/store/sqlite/replace.js';

const SCHEMA = `PRAGMA journal_mode = WAL; PRAGMA user_version = 4;
  CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  CREATE INDEX t_v ON t(v);
  CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT);`;

let dir: string;
let live: string;
let incoming: string;

function makeStore(file: string, rows: number, tag: string): void {
  const db = new DatabaseSync(file);
  db.exec(SCHEMA);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO t SELECT '${tag}' || i, i FROM n`);
  db.exec(`INSERT INTO a (note) VALUES ('${tag}'), ('${tag}')`);
  db.close();
}

/** What the live store holds, read on a connection of the test's own. */
function contentOf(file: string) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return {
      t: db.prepare('SELECT count(*) AS n, min(k) AS first FROM t').get(),
      a: db.prepare('SELECT group_concat(note) AS notes FROM a').get(),
      seq: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'a'`).get(),
      integrity: db.prepare('PRAGMA integrity_check').all(),
    };
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ma-auth-replace-'));
  live = join(dir, 'live.db');
  incoming = join(dir, 'incoming.db');
  makeStore(live, 1_000, 'old');
  makeStore(incoming, 50_000, 'new');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('replaceContents: one transaction on a thread of its own', () => {
  it('copies every table, sequence counters included, and runs the caller’s work while it copies', async () => {
    const before = contentOf(live);
    const seen: { duringAlongside?: unknown; tablesAtStart?: number; tables: string[] } = { tables: [] };
    await replaceContents(live, incoming, {
      onTable: (name) => seen.tables.push(name),
      alongside: async () => {
        // Started with the thread, not once its copy is done.
        seen.tablesAtStart = seen.tables.length;
        // The copy has not committed while this runs: readers still see the old content.
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen.duringAlongside = contentOf(live);
      },
    });
    expect(seen.tablesAtStart).toBe(0);
    expect(seen.duringAlongside).toEqual(before);
    expect(seen.tables).toEqual(['t', 'a']);
    expect(contentOf(live)).toEqual({
      t: { n: 50_000, first: 'new1' },
      a: { notes: 'new,new' },
      seq: { seq: 2 },
      integrity: [{ integrity_check: 'ok' }],
    });
  });

  it('the work beside it fails: rolled back, the store as it was, and that failure is what is thrown', async () => {
    const before = contentOf(live);
    const failure = new Error('a sealed value does not open');
    const order: string[] = [];
    await expect(
      replaceContents(live, incoming, {
        alongside: () => {
          throw failure;
        },
        beforeCommit: () => order.push('beforeCommit'),
        committing: () => order.push('committing'),
      }),
    ).rejects.toBe(failure);
    expect(order).toEqual([]);
    expect(contentOf(live)).toEqual(before);
    // The lock is free again: another writer gets it at once.
    const db = new DatabaseSync(live, { timeout: 0 });
    db.exec(`INSERT INTO a (note) VALUES ('after')`);
    db.close();
  });

  it('a crash hook that throws before COMMIT also rolls back', async () => {
    const before = contentOf(live);
    await expect(
      replaceContents(live, incoming, {
        beforeCommit: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
    expect(contentOf(live)).toEqual(before);
  });

  it('another schema version or other tables: StoreError conflict, nothing changed', async () => {
    const before = contentOf(live);
    const other = new DatabaseSync(incoming);
    other.exec('PRAGMA user_version = 3');
    other.close();
    await expect(replaceContents(live, incoming)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('schema 3 over one at 4'),
    });
    const more = new DatabaseSync(incoming);
    more.exec('PRAGMA user_version = 4; CREATE TABLE extra (x)');
    more.close();
    const failure = await replaceContents(live, incoming).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: 'conflict', message: expect.stringContaining('same tables') });
    expect(contentOf(live)).toEqual(before);
  });

  it('a missing live store: not_initialised, and no file created', async () => {
    const none = join(dir, 'none.db');
    await expect(replaceContents(none, incoming)).rejects.toMatchObject({ code: 'not_initialised' });
    expect(() => new DatabaseSync(none, { readOnly: true })).toThrow();
  });

  it('while another writer holds the lock, the copy waits for it and then commits', async () => {
    const writer = new DatabaseSync(live);
    writer.exec(`BEGIN IMMEDIATE; INSERT INTO a (note) VALUES ('writer')`);
    const swap = replaceContents(live, incoming);
    await new Promise((resolve) => setTimeout(resolve, 200));
    writer.exec('COMMIT');
    writer.close();
    await swap;
    expect(contentOf(live).t).toEqual({ n: 50_000, first: 'new1' });
  });
});
