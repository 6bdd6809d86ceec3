/** `ma-auth approve CODE`: declaration only. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface ApproveFlags {
  yes?: boolean;
  deny?: boolean;
  json?: boolean;
}

export function registerApprove(program: Command, getDeps: () => Deps): void {
  program
    .command('approve')
    .description(
      "Approve (or deny) a device's pairing code: another device using the device authorization grant",
    )
    .argument('<code>', 'the code the device shows, e.g. WDJB-MJHT (case, spaces and dashes do not matter)')
    .option('-y, --yes', 'approve without asking')
    .option('--deny', 'deny the request (never asks)')
    .option('--json', 'print the decision as one JSON object (needs --yes or --deny)')
    .addHelpText(
      'after',
      `
Shows the device (client), the scopes it asks for, the address it asked from
and how long ago, then asks to confirm (a "no" denies). Without a terminal,
--yes or --deny is required. Codes from ma-auth link are refused here: enter
those in the Alexa app.

Exit codes: 0 decided, 1 no pending request has this code (or it was already
decided), 2 usage (malformed code, an Alexa pairing code, or no --yes/--deny
without a terminal), 3 not set up, 6 the code expired.

Examples:
  $ ma-auth approve WDJB-MJHT
  $ ma-auth approve wdjb-mjht --yes --json
  $ ma-auth approve WDJB-MJHT --deny`,
    )
    .action(async (code: string, flags: ApproveFlags) => {
      const { runApprove } = await import('./run.js');
      await runApprove(code, flags, getDeps());
    });
}
