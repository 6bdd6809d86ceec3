/** `ma-auth status`: declaration only. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export function registerStatus(program: Command, getDeps: () => Deps): void {
  program
    .command('status')
    .description('Show the set-up: paths, key source and fingerprint, store, counts, listener')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Exit codes: 0 all well, 3 not set up (run ma-auth init), 4 key missing or not the store's key,
8 store damaged or from a newer ma-auth.

Examples:
  $ ma-auth status
  $ ma-auth status --json | jq .store`,
    )
    .action(async (flags: { json?: boolean }) => {
      const { runStatus } = await import('./run.js');
      await runStatus(flags, getDeps());
    });
}
