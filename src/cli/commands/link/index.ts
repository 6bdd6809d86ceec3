/** `ma-auth link`: declaration only. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface LinkFlags {
  json?: boolean;
  /** false with --no-qr. */
  qr?: boolean;
  timeout?: string;
}

export function registerLink(program: Command, getDeps: () => Deps): void {
  program
    .command('link')
    .description('Link your Alexa account: shows a one-time pairing code to enter in the Alexa app')
    .option('--no-qr', 'do not print the QR code (the code is always printed as text)')
    .option('--timeout <seconds>', "give up after this long (default: the code's lifetime, 10 minutes)")
    .option('--json', 'print one JSON object per event (no QR, no countdown)')
    .addHelpText(
      'after',
      `
Starts the listener in the background if none answers. Then: Alexa app → your
skill → Link account → enter the code (or scan the QR with your phone to open a
page showing it). The code is always printed as text; the QR is printed also
when the output is not a terminal (plain block characters), unless --no-qr.
A countdown is shown on a terminal only. Ctrl-C cancels the code on the listener.

Exit codes: 0 linked, 1 the listener refused or could not be reached, 3 not set
up, 6 the code expired or --timeout passed, 7 denied on the consent page,
130 cancelled (Ctrl-C).

Examples:
  $ ma-auth link
  $ ma-auth link --no-qr --timeout 120
  $ ma-auth link --json | jq -r 'select(.event == "pairing") | .user_code'`,
    )
    .action(async (flags: LinkFlags) => {
      const { runLink } = await import('./run.js');
      await runLink(flags, getDeps());
    });
}
