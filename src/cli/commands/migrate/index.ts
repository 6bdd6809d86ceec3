/** `ma-auth migrate`: declaration only. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface MigrateFlags {
  from: string;
  clients?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerMigrate(program: Command, getDeps: () => Deps): void {
  program
    .command('migrate')
    .description("Import the legacy server's tokens and clients, so existing Alexa links keep working")
    .requiredOption('--from <file>', "the legacy server's tokens exported as JSON (docs/migration.md)")
    .option('--clients <file>', "the legacy server's oauth_clients.json")
    .option('--dry-run', 'report exactly what would happen, change nothing')
    .option('--json', 'print the report as one JSON object')
    .addHelpText(
      'after',
      `
Export the legacy server's in-memory maps BEFORE stopping it: docs/migration.md.
Every legacy grant is given to the owner, refresh tokens are kept (as hashes) so
Alexa's next refresh just works, access tokens are kept until they expire, and
authorization codes (short-lived) are counted and skipped. The Alexa client is
updated or created; other legacy clients, and tokens of clients ma-auth does not
have, are reported and skipped. A client secret equal to the legacy server's
published default is replaced: the new one is printed once - put it in the
Alexa console. Malformed entries are reported and skipped; everything else is
written in one transaction. Running it again changes nothing.

Exit codes: 0 done (including "nothing to do"), 1 failed (nothing was changed),
2 usage or an unreadable or wrongly shaped file, 3 not set up, 4 key problem.

Examples:
  $ ma-auth migrate --from legacy-dump.json --clients /data/oauth_clients.json --dry-run
  $ ma-auth migrate --from legacy-dump.json --clients /data/oauth_clients.json
  $ ma-auth migrate --from legacy-dump.json --json | jq .tokens`,
    )
    .action(async (flags: MigrateFlags) => {
      const { runMigrate } = await import('./run.js');
      await runMigrate(flags, getDeps());
    });
}
