/** `ma-auth backup [FILE]`: declaration only; the implementation loads when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface BackupFlags {
  passphraseStdin?: boolean;
  withKey?: boolean;
  verify?: boolean;
  json?: boolean;
}

export function registerBackup(program: Command, getDeps: () => Deps): void {
  program
    .command('backup')
    .description('Write an encrypted, authenticated backup of the store (or check one with --verify)')
    .argument('[file]', 'where to write it (default: backups/ma-auth-<time>.backup in the data dir)')
    .option('--passphrase-stdin', 'read the passphrase from stdin instead of asking for it')
    .option('--with-key', 'seal with the data key instead of a passphrase (unattended, scheduled backups)')
    .option(
      '--verify',
      'check FILE completely (authentication, the store inside, every sealed value); restore nothing',
    )
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
A passphrase backup opens anywhere with its passphrase, even where the data
key is lost (a new machine after a disk failure): it carries the data key,
sealed with the passphrase (scrypt). A --with-key backup opens only with the
data key that made it, and not after ma-auth rotate-key. The file is written
under its name only once complete (mode 0600); a backup is never overwritten.
Safe while the listener runs. Format: docs/formats.md.

Exit codes: 0 written (or verified), 2 usage (no passphrase without a terminal),
3 not set up, 4 wrong passphrase or data key, 8 not a backup, damaged or
modified, or from a newer ma-auth.

Examples:
  $ ma-auth backup
  $ ma-auth backup /mnt/usb/ma-auth.backup
  $ pass show ma-auth/backup | ma-auth backup --passphrase-stdin --json
  $ ma-auth backup --with-key                  # e.g. from a systemd timer
  $ ma-auth backup --verify /mnt/usb/ma-auth.backup`,
    )
    .action(async (file: string | undefined, flags: BackupFlags) => {
      const { runBackup } = await import('./run.js');
      await runBackup(file, flags, getDeps());
    });
}
