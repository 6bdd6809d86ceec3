/** `ma-auth restore FILE`: declaration only; the implementation loads when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface RestoreFlags {
  rollback?: boolean;
  passphraseStdin?: boolean;
  yes?: boolean;
  json?: boolean;
}

export function registerRestore(program: Command, getDeps: () => Deps): void {
  program
    .command('restore')
    .description('Restore the store from a backup (or undo the last restore with --rollback)')
    .argument('[file]', 'the backup to restore')
    .option('--rollback', 'undo the last restore: put back the store as it was before it')
    .option('--passphrase-stdin', "read the backup's passphrase from stdin instead of asking for it")
    .option('-y, --yes', 'restore without asking')
    .option('--json', 'print one JSON object (needs --yes)')
    .addHelpText(
      'after',
      `
Checks the whole backup first (authentication, the store inside, every sealed
value), then shows what changes — counts now and in the backup, and the
backup's age — and asks to confirm. The current store is saved first
(backups/pre-restore-<time>.backup, sealed with the data key), so
--rollback can undo the restore. Sealed fields are re-sealed under this
install's data key, so a passphrase backup restores onto a new machine with a
new key; pairings still waiting for their code are dropped there (their codes
are keyed to the old key: pair again). A running listener serves the restored
store at once, without a restart. A backup from an older ma-auth is migrated;
one from a newer ma-auth is refused.

Exit codes: 0 restored, 1 cancelled or nothing to roll back, 2 usage (no --yes
or passphrase without a terminal), 3 not set up (run ma-auth init first),
4 wrong passphrase or data key, 8 not a backup, damaged or modified, or from a
newer ma-auth.

Examples:
  $ ma-auth restore ~/ma-auth-2025-06-01T12-00-00Z.backup
  $ pass show ma-auth/backup | ma-auth restore backup.file --passphrase-stdin --yes --json
  $ ma-auth restore --rollback`,
    )
    .action(async (file: string | undefined, flags: RestoreFlags) => {
      const { runRestore } = await import('./run.js');
      await runRestore(file, flags, getDeps());
    });
}
