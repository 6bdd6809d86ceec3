/** `ma-auth serve`: declaration only; the implementation loads when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface ServeFlags {
  listen?: string;
  detach?: boolean;
  json?: boolean;
}

export function registerServe(program: Command, getDeps: () => Deps): void {
  program
    .command('serve')
    .description('Run the listener: in the foreground (systemd, Docker; JSON logs on stdout) or --detach')
    .option('--listen <host:port>', 'bind here instead of the configured address')
    .option('--detach', 'start it in the background (pid and log file in the data dir) and return')
    .option('--json', 'with --detach: print the result as one JSON object')
    .addHelpText(
      'after',
      `
In the foreground it stops gracefully on SIGTERM or Ctrl-C (a second signal cuts
open connections). With --detach it returns once the listener answers /health;
if one already answers, it says so and exits 0. Stop a detached listener with
ma-auth stop.

Examples:
  $ ma-auth serve                                 # systemd ExecStart=, Docker CMD
  $ ma-auth serve --listen 0.0.0.0:8787           # inside a container
  $ ma-auth serve --detach && ma-auth status`,
    )
    .action(async (flags: ServeFlags) => {
      const { runServe } = await import('./run.js');
      await runServe(flags, getDeps());
    });
}
