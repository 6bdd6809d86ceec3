/**
 * Passphrases for backups: from stdin (`--passphrase-stdin`, for scripts and
 * secret managers: everything up to EOF, without its final newline) or asked
 * on a terminal — twice when it seals something new. Without either, a usage
 * error naming the flags, never a hang.
 */
import { MIN_PASSPHRASE_LENGTH } from '../ops/backup-format/file-key.js';
import type { Deps } from './deps.js';
import { usageError } from './errors.js';

export interface PassphraseOptions {
  /** `--passphrase-stdin` was given. */
  readonly fromStdin: boolean;
  /** Sealing (ask twice, enforce the minimum length) or opening (ask once). */
  readonly purpose: 'seal' | 'open';
  /** What to suggest when there is no way to get one, e.g. "or --with-key". */
  readonly alternative?: string;
}

export async function readPassphrase(deps: Deps, opts: PassphraseOptions): Promise<string> {
  if (opts.fromStdin) {
    const value = (await readAll(deps.io.stdin)).replace(/\r?\n$/, '');
    if (value === '') throw usageError('--passphrase-stdin: stdin was empty');
    if (opts.purpose === 'seal' && value.length < MIN_PASSPHRASE_LENGTH) {
      throw usageError(`the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
    }
    return value;
  }
  if (!deps.io.canPrompt()) {
    throw usageError(
      `a passphrase is needed and there is no terminal to ask on: pass it on stdin with --passphrase-stdin${opts.alternative ? ` ${opts.alternative}` : ''}. Nothing was changed.`,
    );
  }
  if (opts.purpose === 'open') {
    return deps.prompter.password({
      message: 'Backup passphrase',
      validate: (v) => v !== '' || 'enter the passphrase',
    });
  }
  const first = await deps.prompter.password({
    message: `Passphrase for the backup (at least ${MIN_PASSPHRASE_LENGTH} characters; keep it apart from this machine)`,
    validate: (v) => v.length >= MIN_PASSPHRASE_LENGTH || `at least ${MIN_PASSPHRASE_LENGTH} characters`,
  });
  const second = await deps.prompter.password({ message: 'The same passphrase again' });
  if (first !== second) throw usageError('the two passphrases differ. Nothing was written.');
  return first;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
