/**
 * When the listener's WAL is checkpointed, and how it gets restarted.
 *
 * The listener's connection runs with SQLite's autocheckpoint off; a worker
 * thread checkpoints instead (checkpoint-worker.ts says why). Copying pages
 * back is only half of it: the WAL is rewound to its start only when a writer
 * begins a transaction and finds *every* frame copied back. The group commit
 * commits every few milliseconds under load, so a checkpoint running beside
 * it never finds the log still, and the WAL would grow without end.
 *
 * So a cycle has two steps:
 * 1. The worker checkpoints while the group commit goes on: the bulk of the
 *    pages, no stall.
 *    Repeated (up to MAX_UNHELD_PASSES) while more than one commit landed
 *    during the pass, so what is left for step 2 is a commit's worth.
 * 2. If anything was committed meanwhile, commits are *held* (queued, the
 *    event loop goes on) while the worker copies those few frames; then the
 *    next batch's BEGIN finds the log fully copied and SQLite restarts it.
 *    Only once the WAL holds `holdAtFrames`: a held step still fsyncs the
 *    database file, and on a large store its pages lie all over the file —
 *    20–70 ms of random writes measured at 1M grants, during which requests
 *    wait. A WAL that is mostly copied back costs readers nothing (SQLite
 *    looks only past the copied frames), only disk space; and at rest no hold
 *    is needed at all (a pass with no commit beside it lets SQLite restart).
 *
 * A cycle starts after a commit once `intervalMs` has passed since the last
 * one ended: under load that bounds the WAL to about that much writing; at
 * rest nothing runs. If the worker fails, the connection falls back to
 * SQLite's own autocheckpoint (`fallback`) and cycles stop: slower, never
 * unbounded.
 */
import type { CheckpointResult } from './checkpoint-worker.js';

export interface Checkpointer {
  checkpoint(): Promise<CheckpointResult>;
  close(): Promise<void>;
}

/** What the group commit asks before and tells after each batch (group-commit.ts). */
export interface CommitGate {
  /** True while commits must wait (step 2 above). */
  readonly holding: boolean;
  /** After each COMMIT. */
  committed(): void;
  /** Set by the group commit: called when holding ends, so queued writes go on. */
  onRelease: () => void;
}

export interface CheckpointStats {
  readonly checkpoints: number;
  /** Cycles that held commits for step 2. */
  readonly holds: number;
  /** Frames in the WAL when the latest checkpoint started (small while it keeps being restarted). */
  readonly walFrames: number;
  /** Set once the worker failed and SQLite's autocheckpoint took over. */
  readonly failed: string | null;
}

/** Unheld passes of step 1 before holding; each is shorter than the one before. */
const MAX_UNHELD_PASSES = 4;

export class WalCheckpoints implements CommitGate {
  holding = false;
  onRelease: () => void = () => {};
  private cycle: Promise<void> | null = null;
  private lastEnded = performance.now();
  private commitsDuringCycle = 0;
  private closing: Promise<void> | null = null;
  private stats = { checkpoints: 0, holds: 0, walFrames: 0, failed: null as string | null };

  constructor(
    private readonly worker: Checkpointer,
    private readonly options: {
      readonly intervalMs: number;
      /** Hold for step 2 only once the WAL has this many frames (see above). */
      readonly holdAtFrames: number;
      /** Turns SQLite's autocheckpoint back on for the writer's connection. */
      readonly fallback: () => void;
    },
  ) {}

  get checkpointStats(): CheckpointStats {
    return { ...this.stats };
  }

  committed(): void {
    if (this.cycle) {
      this.commitsDuringCycle++;
      return;
    }
    if (this.closing || this.stats.failed) return;
    if (performance.now() - this.lastEnded < this.options.intervalMs) return;
    this.cycle = this.run();
  }

  /** Waits for a running cycle, then ends the worker; commits are never held after this. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.cycle;
      await this.worker.close();
    })();
    return this.closing;
  }

  private async run(): Promise<void> {
    try {
      // Step 1, repeated while commits keep landing beside it: each pass copies
      // what the one before left, so the held step that follows is short
      // even where a pass takes long (a large file, pages all over it).
      let passes = 0;
      let last: CheckpointResult;
      do {
        this.commitsDuringCycle = 0;
        last = await this.step();
        passes++;
      } while (!this.closing && this.commitsDuringCycle > 1 && passes < MAX_UNHELD_PASSES);
      const behind = this.commitsDuringCycle > 0 || last.checkpointed < last.log;
      if (!this.closing && behind && last.log >= this.options.holdAtFrames) {
        this.holding = true;
        this.stats.holds++;
        await this.step();
      }
    } catch (err) {
      this.stats.failed = (err as Error).message;
      this.options.fallback();
    } finally {
      this.lastEnded = performance.now();
      this.cycle = null;
      if (this.holding) {
        this.holding = false;
        this.onRelease();
      }
    }
  }

  private async step(): Promise<CheckpointResult> {
    const result = await this.worker.checkpoint();
    this.stats.checkpoints++;
    this.stats.walFrames = result.log;
    return result;
  }
}
