/**
 * Durable group commit.
 *
 * DESIGN.md requires every token, code and rotation to be on disk (fsync)
 * before the response that carries it is sent. One transaction per request
 * means one fsync per request, which caps throughput near the disk's fsync
 * rate. Instead, writes submitted while the event loop is busy are queued and
 * committed together: on the next turn of the loop (`setImmediate`) every
 * queued write body runs inside ONE `BEGIN IMMEDIATE … COMMIT`, each in its own
 * SAVEPOINT, and only after that COMMIT — which fsyncs the WAL
 * (synchronous=FULL) — is each caller's promise settled.
 *
 * The batching window is therefore "whatever arrived while the previous batch
 * was being committed": no timer, no added latency when idle, and under load
 * batches grow by themselves. `MAX_BATCH` bounds how long one batch can hold
 * the write lock.
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

export const MAX_BATCH = 512;

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

interface Pending {
  readonly body: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export interface CommitStats {
  /** COMMITs (fsyncs) issued. */
  readonly batches: number;
  /** Write bodies committed or rejected through batches. */
  readonly writes: number;
  readonly largestBatch: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  private stats = { batches: 0, writes: 0, largestBatch: 0 };

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
    },
  ) {}

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
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Commit everything queued now (before closing the connection). */
  drain(): void {
    this.scheduled = false;
    while (this.queue.length > 0) this.commit(this.queue.splice(0, MAX_BATCH));
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
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.err);
    });
  }
}
