/**
 * Backup, restore and rotate-key failures → CLI errors (shared by the three
 * commands and `init --force`). README "Exit codes": a file that is not a
 * usable backup is 8, like a damaged store; a wrong passphrase or key is 4.
 */
import { BackupInterrupted } from '../../../ops/backup/create.js';
import { BackupError, type BackupErrorCode } from '../../../ops/backup-format/errors.js';
import { OpsBusyError } from '../../../ops/ops-lock.js';
import { CliError, InterruptedError, toCliError } from '../../errors.js';
import { EXIT, type ExitCode } from '../../exit-codes.js';

const EXIT_FOR: Readonly<Record<BackupErrorCode, ExitCode>> = {
  not_a_backup: EXIT.storeProblem,
  unsupported: EXIT.storeProblem,
  malformed: EXIT.storeProblem,
  newer_schema: EXIT.storeProblem,
  tampered: EXIT.storeProblem,
  bad_snapshot: EXIT.storeProblem,
  wrong_passphrase: EXIT.keyProblem,
  wrong_key: EXIT.keyProblem,
  exists: EXIT.error,
  needs_passphrase: EXIT.usage,
};

export function opsCliError(err: unknown, nothingChanged = true): CliError {
  if (err instanceof BackupError) {
    const message = /[.!?]$/.test(err.message) ? err.message : `${err.message}.`;
    return new CliError(EXIT_FOR[err.code], nothingChanged ? `${message} Nothing was changed.` : message, {
      cause: err,
    });
  }
  if (err instanceof BackupInterrupted) return new InterruptedError();
  if (err instanceof OpsBusyError) return new CliError(EXIT.error, err.message, { cause: err });
  return toCliError(err);
}
