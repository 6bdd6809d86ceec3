/**
 * The command's view of the terminal. `canPrompt()` decides interactivity:
 * without it, missing input is an error, never a hang.
 */
import type { Readable, Writable } from 'node:stream';
import type { Env } from '../config/paths.js';

export interface IO {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean };
  /** stdin and stdout are terminals and CI is not set. */
  canPrompt(): boolean;
  /** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
  color(): boolean;
  out(text: string): void;
  err(text: string): void;
}

export function systemIO(env: Env): IO {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const stderr = process.stderr;
  // `ma-auth … | head` closes the pipe early: that is the reader's choice, not a crash.
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return {
    stdin,
    stdout,
    stderr,
    canPrompt: () => Boolean(stdin.isTTY && stdout.isTTY) && !isTruthy(env.CI),
    color: () => Boolean(stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb',
    out: (text) => stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}

function isTruthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Writes one JSON object per line: the `--json` event stream. */
export function emitJson(io: IO, value: unknown): void {
  io.out(JSON.stringify(value));
}
