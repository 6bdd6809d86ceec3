/**
 * `init --force`: replace an existing set-up, but only after backing it up
 * with a passphrase (the old data key goes with the old set-up, so only a
 * passphrase backup could bring it back). The backup is verified before
 * anything is moved; if the new set-up fails, the old one is put back.
 */

import { loadConfig } from '../../../config/config.js';
import { backUpAndSetAside, NothingToBackUp, type SetAside } from '../../../ops/backup/before-replace.js';
import type { Deps } from '../../deps.js';
import { CliError, usageError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { probeListener } from '../../listener-probe.js';
import { readPassphrase } from '../../passphrase.js';
import { progressLine } from '../../progress.js';
import { opsCliError } from '../backup/errors.js';
import type { InitFlags } from './index.js';

/** Before any question: what --force will need, and whether it may go ahead at all. */
export async function checkForce(flags: InitFlags, deps: Deps): Promise<void> {
  if (!flags.passphraseStdin && !deps.io.canPrompt()) {
    throw usageError(
      '--force first backs up the existing set-up with a passphrase; without a terminal to ask on, pass it with --passphrase-stdin. Nothing was changed.',
    );
  }
  const config = await loadConfig(deps.paths.configFile).catch(() => null);
  if (config && (await probeListener(config.listen, 800))) {
    throw new CliError(
      EXIT.alreadyInitialised,
      `a listener answers on ${config.listen.host}:${config.listen.port}; stop it first (ma-auth stop), then run init --force again. Nothing was changed.`,
    );
  }
}

export interface Replacing {
  readonly backupFile: string;
  readonly aside: SetAside;
}

export async function backUpExisting(flags: InitFlags, deps: Deps): Promise<Replacing> {
  const passphrase = await readPassphrase(deps, {
    fromStdin: Boolean(flags.passphraseStdin),
    purpose: 'seal',
  });
  const progress = progressLine(deps.io, !flags.json);
  try {
    const { backup, aside } = await backUpAndSetAside({
      paths: deps.paths,
      env: deps.env,
      keychain: deps.keychain,
      passphrase,
      now: deps.now(),
      onProgress: progress.onProgress,
    });
    progress.end();
    deps.io.err(
      `Backed up the existing set-up to ${backup.file} (sealed with your passphrase, verified).\n` +
        `To bring it back later: ma-auth restore ${backup.file}`,
    );
    return { backupFile: backup.file, aside };
  } catch (err) {
    progress.end();
    if (err instanceof NothingToBackUp)
      throw new CliError(EXIT.alreadyInitialised, `${err.message}. Nothing was changed.`);
    throw opsCliError(err);
  }
}
