/** `ma-auth clients …`: declarations only; each verb loads its implementation when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface ClientsFlags {
  json?: boolean;
}

export interface AddFlags extends ClientsFlags {
  id?: string;
  name?: string;
  public?: boolean;
}

export interface RemoveFlags extends ClientsFlags {
  yes?: boolean;
  force?: boolean;
}

export interface RedirectUrisFlags extends ClientsFlags {
  add?: string[];
  remove?: string[];
}

const EXIT_CODES = `Exit codes: 0 done, 1 no such client, or refused (the reason is printed), 2 usage
(bad flags or arguments, an invalid redirect URI, no --yes without a terminal),
3 not set up, 4 data key missing or not the store's key.`;

const repeat = (value: string, previous: string[] = []) => [...previous, value];

export function registerClients(program: Command, getDeps: () => Deps): void {
  const clients = program
    .command('clients')
    .description('List and manage OAuth clients: the Alexa skill, Music Assistant, devices')
    .addHelpText(
      'after',
      `
Works on the store directly, whether or not the listener is running; changes
apply to the listener's next request.

${EXIT_CODES}

Examples:
  $ ma-auth clients list
  $ ma-auth clients add --id kitchen-speaker --name "Kitchen speaker"
  $ ma-auth clients rotate-secret amazon-alexa`,
    );

  clients
    .command('list')
    .description('List every client: id, name, role, type, redirect URIs, grant types, created')
    .option('--json', 'print a JSON array')
    .addHelpText(
      'after',
      `
Secrets are never shown (only whether one is stored as a hash, derived from the
data key, or absent for a public client).

Examples:
  $ ma-auth clients list
  $ ma-auth clients list --json | jq -r '.[].id'`,
    )
    .action(async (flags: ClientsFlags) => {
      const { runList } = await import('./list.js');
      await runList(flags, getDeps());
    });

  clients
    .command('show')
    .description('Show one client in full, with its redirect URIs and how many grants it holds')
    .argument('<id>', 'client id, as ma-auth clients list shows it')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
${EXIT_CODES}

Examples:
  $ ma-auth clients show amazon-alexa
  $ ma-auth clients show amazon-alexa --json | jq .redirect_uris`,
    )
    .action(async (id: string, flags: ClientsFlags) => {
      const { runShow } = await import('./list.js');
      await runShow(id, flags, getDeps());
    });

  clients
    .command('add')
    .description('Register a device client (a script, a speaker, an integration) for the device grant')
    .option('--id <id>', 'client id the device sends (1-128 printable characters, no spaces)')
    .option('--name <name>', 'name shown when you approve it (default: the id)')
    .option('--public', 'a public client: no secret (for devices that cannot keep one)')
    .option('--json', 'print one JSON object (it holds the secret)')
    .addHelpText(
      'after',
      `
The device uses the standard device authorization grant (RFC 8628) with the
scopes music.read and music.control: it asks the listener for a code, shows it,
you run ma-auth approve CODE on this host, and the device's next poll gets
tokens. A confidential client (the default) gets a secret: it is printed once,
now, and stored only as a hash. A public client has none, and its refresh
tokens rotate strictly.

${EXIT_CODES} (1 here: the id is taken.)

Examples:
  $ ma-auth clients add --id kitchen-speaker --name "Kitchen speaker"
  $ ma-auth clients add --id cli-script --public --json`,
    )
    .action(async (flags: AddFlags) => {
      const { runAdd } = await import('./add.js');
      await runAdd(flags, getDeps());
    });

  clients
    .command('remove')
    .description('Remove a client and revoke everything issued to it')
    .argument('<id>', 'client id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'also remove the Alexa client (unlinks Alexa; see below)')
    .option('--json', 'print one JSON object (needs --yes)')
    .addHelpText(
      'after',
      `
Revokes the client's grants (its tokens stop working at once), then deletes
the client with every token, code and pending pairing it held. Asks first on a
terminal; without one, --yes is required.

Refused: ma-auth-cli (ma-auth link needs it to create pairing codes) and
music-assistant (Music Assistant needs it to check Alexa's tokens). The Alexa
client only with --force: removing it unlinks Alexa, and this version has no
command to register it again (only a fresh set-up). To unlink Alexa but keep
the client: ma-auth tokens revoke --client <id>.

${EXIT_CODES}

Examples:
  $ ma-auth clients remove kitchen-speaker
  $ ma-auth clients remove kitchen-speaker --yes --json`,
    )
    .action(async (id: string, flags: RemoveFlags) => {
      const { runRemove } = await import('./remove.js');
      await runRemove(id, flags, getDeps());
    });

  clients
    .command('rotate-secret')
    .description('Give a confidential client a new secret; the old one stops working at once')
    .argument('<id>', 'client id')
    .option('--json', 'print one JSON object (it holds the secret)')
    .addHelpText(
      'after',
      `
The new secret is printed once and stored only as a hash. Grants survive: the
client keeps its tokens, it only authenticates with the new secret.
- Alexa skill: paste the new secret into the Alexa developer console (Account
  Linking → Your Secret); until then Alexa cannot refresh its tokens.
- music-assistant: the secret file in the config dir (mode 0600) is rewritten
  too; Music Assistant must use the new secret.
- ma-auth-cli: refused. Its secret is derived from the data key, never stored;
  rotating the data key changes it.
- public clients: refused, they have no secret.

${EXIT_CODES}

Examples:
  $ ma-auth clients rotate-secret amazon-alexa
  $ ma-auth clients rotate-secret music-assistant --json`,
    )
    .action(async (id: string, flags: ClientsFlags) => {
      const { runRotateSecret } = await import('./rotate-secret.js');
      await runRotateSecret(id, flags, getDeps());
    });

  clients
    .command('redirect-uris')
    .description("Show or change the Alexa client's redirect URIs (matched exactly)")
    .argument('<id>', 'the Alexa client id (default set-up: amazon-alexa)')
    .option('--add <uri>', 'register this redirect URI; repeat for each', repeat)
    .option('--remove <uri>', 'unregister this redirect URI (exactly as listed); repeat for each', repeat)
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
/alexa/authorize accepts a redirect URI only when it equals a registered one
character for character, so register them exactly as the Alexa developer
console lists them ("Alexa Redirect URLs"): https, no fragment. The last one
cannot be removed.

${EXIT_CODES} (1 here also: --remove names a URI that is not registered.)

Examples:
  $ ma-auth clients redirect-uris amazon-alexa
  $ ma-auth clients redirect-uris amazon-alexa \\
      --add https://layla.amazon.com/api/skill/link/M2ABCDEFGH
  $ ma-auth clients redirect-uris amazon-alexa \\
      --remove https://alexa.amazon.co.jp/api/skill/link/M2ABCDEFGH`,
    )
    .action(async (id: string, flags: RedirectUrisFlags) => {
      const { runRedirectUris } = await import('./redirect-uris.js');
      await runRedirectUris(id, flags, getDeps());
    });
}
