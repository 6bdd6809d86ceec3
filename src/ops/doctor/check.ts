/**
 * A doctor check: one question a support thread would ask, answered with what
 * was found and — for a problem — the exact thing to do about it.
 */
import type { DoctorContext } from './context.js';

export type CheckStatus = 'ok' | 'warning' | 'problem' | 'skipped';

export interface CheckOutcome {
  readonly status: CheckStatus;
  /** What was found: one line, or a few. */
  readonly summary: string;
  /** For a problem or warning: what to do, with the exact commands. */
  readonly fix?: string;
}

export interface CheckResult extends CheckOutcome {
  readonly id: string;
  readonly title: string;
}

export interface Check {
  readonly id: string;
  readonly title: string;
  run(ctx: DoctorContext): Promise<CheckOutcome>;
}

export const ok = (summary: string): CheckOutcome => ({ status: 'ok', summary });
export const problem = (summary: string, fix: string): CheckOutcome => ({ status: 'problem', summary, fix });
export const warning = (summary: string, fix: string): CheckOutcome => ({ status: 'warning', summary, fix });
export const skipped = (summary: string): CheckOutcome => ({ status: 'skipped', summary });

/** A path or value as a shell word, quoted only when it needs to be (macOS paths have spaces). */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
