/** `ma-auth stop`: declaration only. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface StopFlags {
  timeout?: string;
  json?: boolean;
}

export function registerStop(program: Command, getDeps: () => Deps): void {
  program
    .command('stop')
    .description('Stop the listener started by `ma-auth serve --detach` (or by `ma-auth link`)')
    .option('--timeout <seconds>', 'wait this long for a graceful stop before SIGKILL (default: 10)')
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
Sends SIGTERM, waits for in-flight requests to finish, then SIGKILL after the
timeout (and says so). Not running is not an error (exit 0); a stale pid file is
removed. A listener run by systemd or Docker is stopped there, not here.

Examples:
  $ ma-auth stop
  $ ma-auth stop --timeout 30 --json`,
    )
    .action(async (flags: StopFlags) => {
      const { runStop } = await import('./run.js');
      await runStop(flags, getDeps());
    });
}
