/** `ma-auth init`: declaration only; the implementation loads when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface InitFlags {
  yes?: boolean;
  publicUrl?: string;
  clientId?: string;
  redirectUri?: string[];
  keyStore?: string;
  listen?: string;
  insecureHttp?: boolean;
  force?: boolean;
  passphraseStdin?: boolean;
  json?: boolean;
}

export function registerInit(program: Command, getDeps: () => Deps): void {
  program
    .command('init')
    .description(
      'Set up ma-auth: data key, encrypted store, clients; prints what to paste into the Alexa console',
    )
    .option('-y, --yes', 'do not prompt: take flags, and defaults for what they leave out')
    .option(
      '--public-url <url>',
      'https URL where Alexa reaches this listener (through your tunnel or proxy)',
    )
    .option('--client-id <id>', 'client id for the Alexa skill (default: amazon-alexa)')
    .option(
      '--redirect-uri <uri>',
      'redirect URI from the Alexa console ("Alexa Redirect URLs"); repeat for each',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--key-store <where>', 'where the data key lives: keychain | file | env (default: file)')
    .option('--listen <host:port>', 'address the listener binds (default: 127.0.0.1:8787)')
    .option('--insecure-http', 'allow an http public URL (local testing only)')
    .option('--force', 'replace an existing set-up, after backing it up with a passphrase')
    .option('--passphrase-stdin', "with --force: read the backup's passphrase from stdin")
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ ma-auth init
  $ ma-auth init --yes --public-url https://ma.example.com \\
      --redirect-uri https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH \\
      --redirect-uri https://layla.amazon.com/api/skill/link/M2ABCDEFGH --key-store file --json`,
    )
    .action(async (flags: InitFlags) => {
      const { runInit } = await import('./run.js');
      await runInit(flags, getDeps());
    });
}
