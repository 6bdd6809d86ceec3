/** `ma-auth rotate-key`. */
import { fingerprint } from '../../../keys/data-key.js';
import { writableSource } from '../../../keys/resolver.js';
import type { KeySource } from '../../../keys/source.js';
import { stagedKeyFile } from '../../../keys/staging.js';
import { acquireOpsLock } from '../../../ops/ops-lock.js';
import { type RotateResult, rotateKey } from '../../../ops/rotate-key/rotate.js';
import { type Deps, loadInstall } from '../../deps.js';
import { progressLine } from '../../progress.js';
import { opsCliError } from '../backup/errors.js';
import type { RotateKeyFlags } from './index.js';

export async function runRotateKey(flags: RotateKeyFlags, deps: Deps): Promise<void> {
  const { config, resolved } = await loadInstall(deps);
  const lock = await acquireOpsLock(deps.paths.dataDir, 'rotate-key').catch((err) => {
    throw opsCliError(err);
  });
  const progress = progressLine(deps.io, !flags.json);
  let result: RotateResult;
  try {
    const staging = { env: deps.env, paths: deps.paths, keyStore: config.keyStore, keychain: deps.keychain };
    // The key from MA_AUTH_KEY / MA_AUTH_KEY_FILE wins at run time and cannot be written by ma-auth.
    const envKey = Boolean(deps.env.MA_AUTH_KEY || deps.env.MA_AUTH_KEY_FILE);
    const primary = envKey || config.keyStore === 'env' ? null : writableSource(config.keyStore, staging);
    result = await rotateKey({
      storeFile: deps.paths.storeFile,
      current: resolved,
      primary,
      staging,
      now: deps.now(),
      onProgress: progress.onProgress,
    });
    progress.end();
  } catch (err) {
    progress.end();
    throw opsCliError(err);
  } finally {
    await lock.release();
  }

  const envSource = deps.env.MA_AUTH_KEY
    ? 'MA_AUTH_KEY'
    : deps.env.MA_AUTH_KEY_FILE
      ? 'MA_AUTH_KEY_FILE'
      : null;
  if (flags.json) {
    deps.io.out(
      JSON.stringify({
        event: 'rotated',
        oldKeyId: result.oldKey.id,
        oldFingerprint: fingerprint(result.oldKey),
        newKeyId: result.newKey.id,
        newFingerprint: fingerprint(result.newKey),
        keySource: result.source.location,
        resealed: result.reseal.values,
        expiredPairings: result.reseal.expiredPairings,
        droppedAttemptCounters: result.reseal.droppedAttemptCounters,
        ...(result.stagedOnly ? { stagedKeyFile: stagedKeyFile(deps.paths), update: envSource } : {}),
      }),
    );
    return;
  }
  const lines = [
    'Data key rotated.',
    `  old key  ${fingerprint(result.oldKey)}  (retired)`,
    `  new key  ${fingerprint(result.newKey)}  in ${result.source.location}`,
    `  ${result.reseal.values} sealed values re-encrypted` +
      (result.reseal.expiredPairings
        ? `; ${result.reseal.expiredPairings} pairings waiting for their code expired (pair again)`
        : ''),
    'A running listener picks up the new key by itself.',
    'Backups made with --with-key before now open only with the old key, which is gone: make a new one. Passphrase backups are not affected.',
  ];
  if (result.stagedOnly) lines.push('', ...envInstructions(envSource, result.stagedOnly, deps));
  deps.io.out(lines.join('\n'));
}

function envInstructions(envSource: string | null, staged: KeySource, deps: Deps): string[] {
  const file = stagedKeyFile(deps.paths);
  const target =
    envSource === 'MA_AUTH_KEY_FILE'
      ? `replace the contents of ${deps.env.MA_AUTH_KEY_FILE} (MA_AUTH_KEY_FILE) with that file's, e.g. update the Docker / Home Assistant secret`
      : 'set MA_AUTH_KEY to that file\'s contents where you set it (systemd unit, compose file, add-on options): MA_AUTH_KEY="$(cat ' +
        `${file})"`;
  return [
    `ACTION NEEDED: ${envSource ?? 'your environment'} still holds the old key. The new key is in ${staged.location} (mode 0600).`,
    `  1. ${target};`,
    '  2. restart the listener;',
    `  3. delete ${file}.`,
    'Until then every ma-auth command, and a running listener, use the new key from that file.',
  ];
}
