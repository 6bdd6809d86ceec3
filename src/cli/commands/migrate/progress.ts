/**
 * Progress for big imports: one line on stderr, rewritten in place, only on a
 * terminal (never in a pipe, a log or with --json) and only for dumps large
 * enough to take a noticeable time. Checking reads the dump (counted in bytes,
 * shown as a share); writing goes entry by entry.
 */
import type { Writable } from 'node:stream';
import type { MigratePhase } from '../../../ops/migrate/migrate.js';

export const PROGRESS_MIN_ENTRIES = 1000;
/** About as many bytes as 1,000 entries. */
export const PROGRESS_MIN_BYTES = 256 * 1024;
const REDRAW_MS = 100;

export interface Progress {
  update(phase: MigratePhase, done: number, total: number): void;
  /** Clears the line. */
  end(): void;
}

export function terminalProgress(stream: Writable, now: () => number = Date.now): Progress {
  let last = 0;
  let drawn = false;
  const fmt = new Intl.NumberFormat('en');
  return {
    update(phase, done, total) {
      if (total < (phase === 'checking' ? PROGRESS_MIN_BYTES : PROGRESS_MIN_ENTRIES)) return;
      const t = now();
      if (done < total && t - last < REDRAW_MS) return;
      last = t;
      const pct = Math.floor((done / total) * 100);
      const line =
        phase === 'checking'
          ? `checking entries (${pct}%)`
          : `writing grants ${fmt.format(done)} / ${fmt.format(total)} (${pct}%)`;
      stream.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
