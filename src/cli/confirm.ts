/**
 * Confirmation before a destructive change: `--yes` skips it; on a terminal we
 * ask (default no); without one — or with `--json`, which never prompts — a
 * missing `--yes` is a usage error naming the command to run, never a hang.
 */
import type { Deps } from './deps.js';
import { usageError } from './errors.js';

export function requireYesOrTerminal(
  flags: { yes?: boolean; json?: boolean },
  deps: Deps,
  example: string,
): void {
  if (flags.yes || (!flags.json && deps.io.canPrompt())) return;
  throw usageError(
    `${flags.json ? 'with --json' : 'without a terminal to ask on'}, confirm with --yes. Example:\n  ${example}\nNothing was changed.`,
  );
}

/** True when the owner agreed (or passed --yes). Call requireYesOrTerminal first. */
export async function confirmed(flags: { yes?: boolean }, deps: Deps, message: string): Promise<boolean> {
  if (flags.yes) return true;
  return deps.prompter.confirm({ message, default: false });
}
