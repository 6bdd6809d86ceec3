/**
 * Entry point: one registration point for every command. Each command module
 * declares its flags and help here and `import()`s its implementation only
 * when it runs, so `ma-auth --help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { registerApprove } from './commands/approve/index.js';
import { registerAudit } from './commands/audit/index.js';
import { registerBackup } from './commands/backup/index.js';
import { registerClients } from './commands/clients/index.js';
import { registerDoctor } from './commands/doctor/index.js';
import { registerInit } from './commands/init/index.js';
import { registerLink } from './commands/link/index.js';
import { registerMigrate } from './commands/migrate/index.js';
import { registerRestore } from './commands/restore/index.js';
import { registerRotateKey } from './commands/rotate-key/index.js';
import { registerServe } from './commands/serve/index.js';
import { registerStatus } from './commands/status/index.js';
import { registerStop } from './commands/stop/index.js';
import { registerTokens } from './commands/tokens/index.js';
import { type Deps, systemDeps } from './deps.js';
import { toCliError } from './errors.js';
import { EXIT } from './exit-codes.js';

export const VERSION = '0.1.0';

export function buildProgram(getDeps: () => Deps): Command {
  const program = new Command('ma-auth')
    .description('Safe, durable Alexa account linking for a self-hosted Music Assistant.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Start here:
  $ ma-auth init     set up: key, store, clients; prints what to paste into the Alexa console
  $ ma-auth link     link your Alexa account with a one-time pairing code (on a terminal, sets up first if needed)
  $ ma-auth status   what is set up, and whether the listener answers
  $ ma-auth doctor   check everything a support request would ask, with the fix for each problem

Environment:
  MA_AUTH_HOME       keep config and data under this folder (containers)
  MA_AUTH_KEY        the data key (base64url), overrides every other key source
  MA_AUTH_KEY_FILE   a file holding the data key (Docker / Home Assistant secrets)
  NO_COLOR           no colours`,
    );
  // Before registering commands: subcommands copy these settings when created.
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => void getDeps().io.stdout.write(s),
    writeErr: (s) => void getDeps().io.stderr.write(s),
  });
  registerInit(program, getDeps);
  registerStatus(program, getDeps);
  registerServe(program, getDeps);
  registerStop(program, getDeps);
  registerLink(program, getDeps);
  registerApprove(program, getDeps);
  registerAudit(program, getDeps);
  registerDoctor(program, getDeps);
  registerClients(program, getDeps);
  registerTokens(program, getDeps);
  registerMigrate(program, getDeps);
  registerBackup(program, getDeps);
  registerRestore(program, getDeps);
  registerRotateKey(program, getDeps);
  return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit itself. */
export async function main(argv: readonly string[], deps?: Deps): Promise<number> {
  let built: Deps | undefined = deps;
  const getDeps = () => {
    built ??= systemDeps();
    return built;
  };
  const program = buildProgram(getDeps);
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version "errors" are successes; everything else is a usage error.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    const cliError = toCliError(err);
    const io = getDeps().io;
    io.err(`error: ${cliError.message}`);
    if (cliError.exitCode === EXIT.error && getDeps().env.MA_AUTH_DEBUG && err instanceof Error) {
      io.err(err.stack ?? '');
    }
    return cliError.exitCode;
  }
}
