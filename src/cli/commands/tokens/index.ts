/** `ma-auth tokens …`: declarations only; each verb loads its implementation when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface ListFlags {
  client?: string;
  all?: boolean;
  json?: boolean;
}

export interface RevokeFlags {
  client?: string;
  yes?: boolean;
  json?: boolean;
}

const EXIT_CODES = `Exit codes: 0 done (also: already revoked, or nothing to revoke), 1 no such grant or
client, 2 usage (bad flags or arguments, no --yes without a terminal), 3 not set
up, 4 data key missing or not the store's key.`;

export function registerTokens(program: Command, getDeps: () => Deps): void {
  const tokens = program
    .command('tokens')
    .description('List and revoke grants: what each client (Alexa, a device) holds tokens for')
    .addHelpText(
      'after',
      `
A grant is everything issued from one approval (a link or a device pairing):
its access and refresh tokens. Tokens themselves are never shown — the store
keeps only their hashes. Works on the store directly, whether or not the
listener is running; a revocation applies to the listener's next request.

${EXIT_CODES}

Examples:
  $ ma-auth tokens list
  $ ma-auth tokens revoke --client kitchen-speaker`,
    );

  tokens
    .command('list')
    .description('List grants: id, client, owner, scope, created, last used, expiry, state')
    .option('--client <id>', 'only grants of this client')
    .option('--all', 'include revoked and expired grants')
    .option('--json', 'print a JSON array (ISO 8601 times)')
    .addHelpText(
      'after',
      `
"expires" is when the grant dies unless it is used again: refresh tokens expire
after a period without use (default 180 days), so it moves forward every time
the client refreshes. States: active, expired, revoked.

${EXIT_CODES}

Examples:
  $ ma-auth tokens list
  $ ma-auth tokens list --client amazon-alexa --all
  $ ma-auth tokens list --json | jq -r '.[] | select(.state == "active") | .id'`,
    )
    .action(async (flags: ListFlags) => {
      const { runList } = await import('./list.js');
      await runList(flags, getDeps());
    });

  tokens
    .command('revoke')
    .description('Revoke one grant, or every grant of a client: their tokens stop working at once')
    .argument('[grant-id]', 'the grant to revoke, as ma-auth tokens list shows it')
    .option('--client <id>', 'revoke every grant of this client instead')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print one JSON object (needs --yes)')
    .addHelpText(
      'after',
      `
Give a grant id or --client, not both. Asks first on a terminal; without one,
--yes is required. Revoking Alexa's grant unlinks Alexa until you run
ma-auth link again; a device must be approved again. A grant id that starts
with "-" goes last, after "--": ma-auth tokens revoke --yes -- -x2…

${EXIT_CODES}

Examples:
  $ ma-auth tokens revoke 3q2-7wEjQ0qz1Xb5V8pLkA
  $ ma-auth tokens revoke --client kitchen-speaker --yes --json`,
    )
    .action(async (grantId: string | undefined, flags: RevokeFlags) => {
      const { runRevoke } = await import('./revoke.js');
      await runRevoke(grantId, flags, getDeps());
    });
}
