/** `ma-auth doctor`: declaration only; the checks (src/ops/doctor) load when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface DoctorFlags {
  json?: boolean;
}

export function registerDoctor(program: Command, getDeps: () => Deps): void {
  program
    .command('doctor')
    .description('Check everything a support request would ask about, and print the fix for each problem')
    .option('--json', 'print one JSON object: {ok, problems, warnings, checks: [...]}')
    .addHelpText(
      'after',
      `
Checks, in order: config valid; data key found and the store's key; store
integrity (SQLite integrity_check); a listener answering on the configured
address; public URL is https on port 443 with a public host name; the Alexa
client's redirect URIs in Amazon's form; clock; file permissions; a legacy
server's files not yet migrated; security events since your last ma-auth audit.
Doctor changes nothing.

Exit codes: 0 no problems (warnings allowed), 9 at least one problem, 2 usage.

Examples:
  $ ma-auth doctor
  $ ma-auth doctor --json | jq '.checks[] | select(.status == "problem")'`,
    )
    .action(async (flags: DoctorFlags) => {
      const { runDoctorCommand } = await import('./run.js');
      await runDoctorCommand(flags, getDeps());
    });
}
