/** `ma-auth rotate-key`: declaration only; the implementation loads when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface RotateKeyFlags {
  json?: boolean;
}

export function registerRotateKey(program: Command, getDeps: () => Deps): void {
  program
    .command('rotate-key')
    .description('Replace the data key: re-encrypt every sealed field under a new one, retire the old')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Everything sealed is re-encrypted in one transaction; the new key is staged
before and promoted after, so a crash at any point is finished by the next
ma-auth command (or listener start). A running listener picks up the new key
by itself. Prints the old and new key fingerprints.

With MA_AUTH_KEY or MA_AUTH_KEY_FILE, which ma-auth cannot change, the new key
is written to data.key.staged (mode 0600) in the config dir and ma-auth says
what to change; until you do, ma-auth finds the new key there.

Pairings still waiting for their code expire (their codes are keyed to the
old key: pair again). Backups made --with-key before the rotation open only
with the old key, which is gone: make a new one. Passphrase backups are not
affected.

Exit codes: 0 rotated, 1 failed (nothing changed, or the next command finishes
it), 3 not set up, 4 data key missing or not the store's key.

Examples:
  $ ma-auth rotate-key
  $ ma-auth rotate-key --json | jq -r .newFingerprint`,
    )
    .action(async (flags: RotateKeyFlags) => {
      const { runRotateKey } = await import('./run.js');
      await runRotateKey(flags, getDeps());
    });
}
