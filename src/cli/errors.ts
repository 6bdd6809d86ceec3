/**
 * CLI errors: each carries its exit code and a message for the owner. Lower
 * layers throw their own typed errors; `toCliError` maps them here, once.
 */
import { ConfigError, ConfigMissingError } from '../config/config.js';
import { KeyNotFoundError } from '../keys/resolver.js';
import { KeySourceError } from '../keys/source.js';
import { StoreError } from '../store/errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);

/** Ctrl-C: the command already cleaned up; print a short line, exit 130. */
export class InterruptedError extends CliError {
  constructor() {
    super(EXIT.interrupted, 'interrupted; nothing was changed');
  }
}

export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ConfigMissingError)
    return new CliError(EXIT.notInitialised, err.message, { cause: err });
  if (err instanceof ConfigError)
    return new CliError(EXIT.error, `invalid config: ${err.message}`, { cause: err });
  if (err instanceof KeyNotFoundError || err instanceof KeySourceError) {
    return new CliError(EXIT.keyProblem, err.message, { cause: err });
  }
  if (err instanceof StoreError) {
    switch (err.code) {
      case 'not_initialised':
        return new CliError(EXIT.notInitialised, err.message, { cause: err });
      case 'key_mismatch':
        return new CliError(
          EXIT.keyProblem,
          `${err.message}. Point MA_AUTH_KEY / MA_AUTH_KEY_FILE at the right key, or restore the key you set up with.`,
          { cause: err },
        );
      case 'already_initialised':
        return new CliError(EXIT.alreadyInitialised, err.message, { cause: err });
      case 'corrupt':
      case 'newer_schema':
        return new CliError(EXIT.storeProblem, err.message, { cause: err });
      default:
        return new CliError(EXIT.error, err.message, { cause: err });
    }
  }
  if (isPromptExit(err)) return new InterruptedError();
  return new CliError(EXIT.error, `unexpected error: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}

/** @inquirer/prompts rejects with ExitPromptError when the user presses Ctrl-C. */
function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}
