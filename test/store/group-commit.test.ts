import { DatabaseSync } from 'node:sqlite';
import { beforeEach, describe, expect, it } from 'vitest';
import { cliClient } from '../../src/oauth/builtin-clients.js';
import { GroupCommitter } from '../../src/store/sqlite/group-commit.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createNumberedGrant, initialisedStore, NOW } from './support.js';

describe('durable group commit', () => {
  let file: string;
  let store: SqliteStore;
  beforeEach(async () => {
    ({ file, store } = await initialisedStore());
  });

  const grant = (i: number) => createNumberedGrant(store, i);

  it('commits writes that arrive together in far fewer transactions, and all of them land', async () => {
    const before = store.commitStats;
    await Promise.all(Array.from({ length: 300 }, (_, i) => grant(i)));
    const after = store.commitStats;
    expect(after.writes - before.writes).toBe(300);
    expect(after.batches - before.batches).toBeLessThanOrEqual(3);
    const other = new DatabaseSync(file);
    expect(other.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n: 300 });
    other.close();
  });

  it('a write is invisible to other connections until its promise resolves, and visible after', async () => {
    const pending = grant(1);
    const other = new DatabaseSync(file);
    const count = () =>
      (other.prepare("SELECT count(*) AS n FROM grants WHERE id = 'g1'").get() as { n: number }).n;
    expect(count()).toBe(0); // queued, not yet committed — and not yet answered
    await pending;
    expect(count()).toBe(1);
    other.close();
  });

  it('a failing write rolls back alone; the rest of its batch commits', async () => {
    const results = await Promise.allSettled([
      grant(1),
      store.addClient(cliClient(), NOW),
      grant(1),
      grant(2),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(store.commitStats.batches).toBeGreaterThan(0);
    expect(await store.getGrant('g1')).not.toBeNull();
    expect(await store.getGrant('g2')).not.toBeNull();
    expect(await store.getClient('ma-auth-cli')).not.toBeNull();
  });

  it('close() commits what is queued before closing', async () => {
    const pending = grant(7);
    await store.close();
    await pending;
    const reopened = new DatabaseSync(file);
    expect(reopened.prepare("SELECT count(*) AS n FROM grants WHERE id = 'g7'").get()).toEqual({ n: 1 });
    reopened.close();
  });
});

describe('GroupCommitter savepoints', () => {
  const recordingDb = (statements: string[]) =>
    ({
      isTransaction: true,
      prepare: (sql: string) => ({ run: () => void statements.push(sql) }),
    }) as unknown as DatabaseSync;

  it('a batch whose bodies all succeed runs without savepoints', async () => {
    const statements: string[] = [];
    const committer = new GroupCommitter(recordingDb(statements), { translate: (err) => err });
    await Promise.all([committer.submit(() => 1), committer.submit(() => 2)]);
    expect(statements).toEqual(['BEGIN IMMEDIATE', 'COMMIT']);
  });

  it('a body that throws sends the batch round again with a savepoint per body', async () => {
    const statements: string[] = [];
    const committer = new GroupCommitter(recordingDb(statements), { translate: (err) => err });
    const runs = [0, 0];
    const results = await Promise.allSettled([
      committer.submit(() => ++runs[0]!),
      committer.submit(() => {
        runs[1]!++;
        throw new Error('conflict');
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[0] as PromiseFulfilledResult<number>).value).toBe(2); // the committed run's value
    expect(runs).toEqual([2, 2]);
    expect(statements).toEqual([
      'BEGIN IMMEDIATE',
      'ROLLBACK',
      'BEGIN IMMEDIATE',
      'SAVEPOINT write',
      'RELEASE write',
      'SAVEPOINT write',
      'ROLLBACK TO write',
      'RELEASE write',
      'COMMIT',
    ]);
  });
});

describe('GroupCommitter guard', () => {
  it('a guard that throws under the lock rejects the whole batch and writes nothing', async () => {
    const statements: string[] = [];
    const db = {
      isTransaction: true,
      prepare: (sql: string) => ({ run: () => void statements.push(sql) }),
    } as unknown as DatabaseSync;
    let ran = 0;
    const committer = new GroupCommitter(db, {
      translate: (err) => err,
      guard: () => {
        throw new Error('key changed');
      },
    });
    const results = await Promise.allSettled([committer.submit(() => ran++), committer.submit(() => ran++)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(ran).toBe(0);
    expect(statements).toEqual(['BEGIN IMMEDIATE', 'ROLLBACK']);
  });
});

describe('GroupCommitter when COMMIT fails', () => {
  it('rejects every write of the batch (none was durable, so none may be answered)', async () => {
    const statements: string[] = [];
    const db = {
      isTransaction: true,
      prepare: (sql: string) => ({
        run() {
          statements.push(sql);
          if (sql === 'COMMIT') throw new Error('disk I/O error');
        },
      }),
    } as unknown as DatabaseSync;
    const committer = new GroupCommitter(db, {
      translate: (err) => new Error(`store: ${(err as Error).message}`),
    });
    const results = await Promise.allSettled([committer.submit(() => 1), committer.submit(() => 2)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('store: disk I/O error');
    expect(statements).toContain('ROLLBACK');
    expect(committer.commitStats.batches).toBe(0);
  });
});

describe('GroupCommitter with an asynchronous WAL flush', () => {
  /** A flush the test completes by hand, recording what was committed when it started. */
  function harness() {
    const statements: string[] = [];
    const flushes: Array<{ commitsBefore: number; done: () => void; fail: (err: Error) => void }> = [];
    let synced = 0;
    const db = {
      isTransaction: true,
      prepare: (sql: string) => ({ run: () => void statements.push(sql) }),
    } as unknown as DatabaseSync;
    const commits = () => statements.filter((s) => s === 'COMMIT').length;
    const committer = new GroupCommitter(db, {
      translate: (err) => err,
      sync: {
        flush: () =>
          new Promise<void>((resolve, reject) => {
            flushes.push({ commitsBefore: commits(), done: resolve, fail: reject });
          }),
        flushSync: () => void synced++,
      },
    });
    return { committer, flushes, commits, synced: () => synced };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const state = (p: Promise<unknown>) => {
    let s = 'pending';
    p.then(
      () => (s = 'fulfilled'),
      () => (s = 'rejected'),
    );
    return () => s;
  };

  it('answers a batch only after a flush that started after its COMMIT completes', async () => {
    const { committer, flushes } = harness();
    const first = state(committer.submit(() => 1));
    await turn();
    expect(flushes).toHaveLength(1);
    expect(flushes[0]!.commitsBefore).toBe(1);
    await turn();
    expect(first()).toBe('pending'); // committed, not yet on disk
    // A second batch commits while the first flush is still running …
    const second = state(committer.submit(() => 2));
    await turn();
    expect(flushes).toHaveLength(1); // … and waits for the next flush, not this one
    flushes[0]!.done();
    await turn();
    expect(first()).toBe('fulfilled');
    expect(second()).toBe('pending');
    expect(flushes).toHaveLength(2);
    expect(flushes[1]!.commitsBefore).toBe(2);
    flushes[1]!.done();
    await turn();
    expect(second()).toBe('fulfilled');
    expect(committer.commitStats.syncs).toBe(2);
  });

  it('rejects the writes a failed flush covered: committed, but not known to be durable', async () => {
    const { committer, flushes } = harness();
    const write = committer.submit(() => 1);
    await turn();
    flushes[0]!.fail(new Error('EIO'));
    await expect(write).rejects.toThrow('EIO');
  });

  it('drain() commits and flushes synchronously what is still waiting', async () => {
    const { committer, flushes, synced } = harness();
    const running = committer.submit(() => 1);
    await turn(); // committed; its flush is in progress
    const queued = committer.submit(() => 2);
    committer.drain();
    expect(synced()).toBe(1);
    await expect(running).resolves.toBe(1);
    await expect(queued).resolves.toBe(2);
    flushes[0]!.done(); // completing late settles nothing twice
  });
});
