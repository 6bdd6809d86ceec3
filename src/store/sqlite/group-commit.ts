/**
 * Durable group commit.
 *
 * DESIGN.md requires every token, code and rotation to be on disk (fsync)
 * before the response that carries it is sent. One transaction per request
 * means one fsync per request, which caps throughput near the disk's fsync
 * rate. Instead, writes submitted while the event loop is busy are queued and
 * committed together: on the next turn of the loop (`setImmediate`) every
 * queued write body runs inside ONE `BEGIN IMMEDIATE … COMMIT`, and only
 * once that COMMIT is on disk is each caller's promise settled.
 *
 * "On disk" two ways. Without a `sync` option, the connection runs
 * synchronous=FULL: the COMMIT fsyncs the WAL before it returns, blocking the
 * event loop meanwhile. With one (the listener's store, wal-sync.ts), the
 * connection runs synchronous=NORMAL — SQLite writes the WAL but leaves the
 * per-commit fsync to us — and the committer calls `sync.flush()`, an
 * fdatasync of the WAL on libuv's thread pool, while the loop goes on parsing
 * requests and committing the next batch. A batch is answered only after a
 * flush that *started after its COMMIT* has completed; a flush covers every
 * byte written before it started, so answers can never get ahead of the disk,
 * even for a batch that read what an earlier, not yet flushed, batch wrote.
 *
 * The batching window is therefore "whatever arrived while the previous batch
 * was being committed": no timer, no added latency when idle, and under load
 * batches grow by themselves. `MAX_BATCH` bounds how long one batch can hold
 * the write lock.
 *
 * The listener's store also passes a `gate` (wal-checkpoints.ts), which may
 * hold batches back for the few milliseconds it takes to let SQLite restart
 * the WAL: writes queue meanwhile, the event loop does not wait.
 *
 * A body that throws rolls back to its savepoint: its own writes vanish, the
 * rest of the batch commits. If the COMMIT itself fails (disk full, I/O
 * error, lock timeout), every write of the batch is rejected: none of them was
 * promised durable, so none was answered.
 *
 * Bodies are synchronous (node:sqlite is), so nothing else can run inside an
 * open batch; a body that calls `write` again runs inline in the batch.
 */
import type { DatabaseSync } from 'node:sqlite';
import { prepared } from './context.js';
import type { CommitGate } from './wal-checkpoints.js';

export const MAX_BATCH = 512;

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** Durability for a connection in synchronous=NORMAL: fdatasync of its WAL. */
export interface WalFlush {
  /** On the thread pool; covers every byte written to the WAL before the call. */
  flush(): Promise<void>;
  /** The same, blocking (closing). */
  flushSync(): void;
}

interface Settled {
  readonly batch: readonly Pending[];
  readonly outcomes: readonly Outcome[];
}

interface Pending {
  readonly body: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export interface CommitStats {
  /** COMMITs issued. */
  readonly batches: number;
  /** WAL flushes completed (with a `sync` option; without one, each COMMIT fsyncs). */
  readonly syncs: number;
  /** Write bodies committed or rejected through batches. */
  readonly writes: number;
  readonly largestBatch: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  private stats = { batches: 0, writes: 0, largestBatch: 0, syncs: 0 };
  /** Committed, waiting for a flush that has not started yet. */
  private awaitingSync: Settled[] = [];
  /** Committed, covered by the flush in progress. */
  private flushing: Settled[] | null = null;

  constructor(
    private readonly db: DatabaseSync,
    private readonly options: {
      /** Maps SQLite errors to the store's error type. */
      readonly translate: (err: unknown) => unknown;
      /**
       * Runs under the write lock before the batch's bodies; if it throws, the
       * whole batch is rejected with that error and nothing is written
       * (the store uses it to notice a key rotated by another process).
       */
      readonly guard?: () => void;
      /** After each committed batch: its size and how long its transaction took (ms). */
      readonly observe?: (size: number, ms: number) => void;
      /** Makes committed WAL content durable (see above); absent: the COMMIT itself fsyncs. */
      readonly sync?: WalFlush;
      /** May hold batches back for a moment (the listener's WAL restart, wal-checkpoints.ts). */
      readonly gate?: CommitGate;
    },
  ) {
    if (options.gate) options.gate.onRelease = () => this.schedule();
  }

  /** Prepared once per connection: a batch runs several of these. */
  private sql(text: string): void {
    prepared(this.db, text).run();
  }

  /**
   * One transaction over the batch, committed. Without savepoints, returns
   * null (rolled back, nothing written) as soon as a body throws; with them,
   * a throwing body is rolled back to its savepoint and its error kept.
   * Errors of the transaction itself (BEGIN, guard, COMMIT) propagate.
   */
  private attempt(batch: readonly Pending[], savepoints: boolean): Outcome[] | null {
    const outcomes: Outcome[] = [];
    this.sql('BEGIN IMMEDIATE');
    this.options.guard?.();
    for (const item of batch) {
      if (!savepoints) {
        try {
          outcomes.push({ ok: true, value: item.body() });
        } catch {
          this.sql('ROLLBACK');
          return null;
        }
        continue;
      }
      this.sql('SAVEPOINT write');
      try {
        outcomes.push({ ok: true, value: item.body() });
        this.sql('RELEASE write');
      } catch (err) {
        this.sql('ROLLBACK TO write');
        this.sql('RELEASE write');
        outcomes.push({ ok: false, err: this.options.translate(err) });
      }
    }
    this.sql('COMMIT');
    return outcomes;
  }

  /** True while a batch's transaction is open (a nested write runs inline). */
  get inBatch(): boolean {
    return this.running;
  }

  get commitStats(): CommitStats {
    return { ...this.stats };
  }

  submit<T>(body: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ body, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.commitQueued());
  }

  /** Commit everything queued now, and make it durable (before closing the connection). */
  drain(): void {
    // Past any hold: holding only delays the WAL's restart, never durability.
    this.commitAll();
    const waiting = [...(this.flushing ?? []), ...this.awaitingSync];
    if (waiting.length === 0 || !this.options.sync) return;
    this.awaitingSync = [];
    try {
      this.options.sync.flushSync();
      this.stats.syncs++;
      for (const s of waiting) settle(s);
    } catch (err) {
      const failure = this.options.translate(err);
      for (const s of waiting) for (const item of s.batch) item.reject(failure);
    }
    // A flush still running settles these again when it completes: a no-op.
  }

  private commitQueued(): void {
    this.scheduled = false;
    // Held: the queue waits (the event loop does not); the gate reschedules on release.
    if (this.options.gate?.holding) return;
    this.commitAll();
  }

  private commitAll(): void {
    while (this.queue.length > 0) this.commit(this.queue.splice(0, MAX_BATCH));
  }

  private startFlush(): void {
    const sync = this.options.sync;
    if (!sync || this.flushing || this.awaitingSync.length === 0) return;
    const covered = this.awaitingSync;
    this.awaitingSync = [];
    this.flushing = covered;
    sync.flush().then(
      () => {
        this.flushing = null;
        this.stats.syncs++;
        for (const s of covered) settle(s);
        this.startFlush();
      },
      (err: unknown) => {
        // Committed but not known to be durable: nobody may be told it is.
        this.flushing = null;
        const failure = this.options.translate(err);
        for (const s of covered) for (const item of s.batch) item.reject(failure);
        this.startFlush();
      },
    );
  }

  private commit(batch: Pending[]): void {
    const started = performance.now();
    let outcomes: Outcome[];
    this.running = true;
    try {
      // Optimistic first: no savepoints (each one copies every page its body
      // touches into a sub-journal). Bodies rarely throw; when one does, the
      // whole attempt is rolled back and the batch runs again with a savepoint
      // per body, so the failing body's writes vanish and the rest commit.
      // Running a body twice is safe: the first run's writes never committed,
      // and bodies compute everything from the store's state and their inputs.
      outcomes = this.attempt(batch, false) ?? (this.attempt(batch, true) as Outcome[]);
    } catch (err) {
      try {
        if (this.db.isTransaction) this.sql('ROLLBACK');
      } catch {
        // The connection is in trouble; the batch is rejected either way.
      }
      this.running = false;
      const failure = this.options.translate(err);
      for (const item of batch) item.reject(failure);
      return;
    }
    this.running = false;
    this.stats.batches++;
    this.stats.writes += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    this.options.observe?.(batch.length, performance.now() - started);
    this.options.gate?.committed();
    if (!this.options.sync) {
      settle({ batch, outcomes });
      return;
    }
    // Failed bodies wait too: their errors may rest on what an unflushed batch wrote.
    this.awaitingSync.push({ batch, outcomes });
    this.startFlush();
  }
}

function settle({ batch, outcomes }: Settled): void {
  batch.forEach((item, i) => {
    const outcome = outcomes[i]!;
    if (outcome.ok) item.resolve(outcome.value);
    else item.reject(outcome.err);
  });
}
