/**
 * Progress of long work (backup, restore, rotate-key) on one line of stderr,
 * updated in place — only on a terminal and never with --json. It appears
 * only once the work has taken a moment, so small stores print nothing.
 */
import type { IO } from './io.js';

export type OnProgress = (phase: string, done: number, total: number) => void;

export interface ProgressLine {
  readonly onProgress: OnProgress;
  /** Clears the line (call before printing the result, and on failure). */
  end(): void;
}

const SHOW_AFTER_MS = 300;
const EVERY_MS = 100;

/** MA_AUTH_PROGRESS_DELAY_MS overrides the 300 ms grace (tests; owners who want it at once). */
function showAfterMs(): number {
  const raw = process.env.MA_AUTH_PROGRESS_DELAY_MS;
  const value = raw ? Number(raw) : Number.NaN;
  return Number.isInteger(value) && value >= 0 ? value : SHOW_AFTER_MS;
}

export function progressLine(io: IO, enabled: boolean, now: () => number = Date.now): ProgressLine {
  if (!enabled || !io.stderr.isTTY) return { onProgress: () => {}, end: () => {} };
  const started = now();
  const showAfter = showAfterMs();
  let last = 0;
  let shown = false;
  return {
    onProgress(phase, done, total) {
      const t = now();
      if (t - started < showAfter || (t - last < EVERY_MS && done < total)) return;
      last = t;
      shown = true;
      io.stderr.write(`\r\x1b[K${render(phase, done, total)}`);
    },
    end() {
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

export function render(phase: string, done: number, total: number): string {
  // A step that cannot count (the snapshot, the passphrase's key derivation): its name only.
  if (total <= 1) return `${phase}…`;
  const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
  const amount = /crypt/.test(phase) ? `${mb(done)} of ${mb(total)}` : `${done} of ${total}`;
  return `${phase.padEnd(12)} ${String(pct).padStart(3)}%  ${amount}`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
