/**
 * `ma-auth init`: gather and validate every answer first (wizard on a TTY,
 * flags otherwise), then create the install in one all-or-nothing step.
 */
import { existsSync } from 'node:fs';
import { fingerprint } from '../../../keys/data-key.js';
import { resolveKey } from '../../../keys/resolver.js';
import { createInstall, existingInstall, SetupError, SetupInterrupted } from '../../../ops/setup.js';
import { SqliteStore } from '../../../store/sqlite/sqlite-store.js';
import type { Deps } from '../../deps.js';
import { CliError, InterruptedError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { backUpExisting, checkForce } from './force.js';
import type { InitFlags } from './index.js';
import { fromFlags } from './input.js';
import { alexaConsoleValues, renderInitResult } from './render.js';
import { askSetup } from './wizard.js';

export async function runInit(flags: InitFlags, deps: Deps): Promise<void> {
  const existing = existingInstall(deps.paths);
  if (existing.length > 0) {
    await refuseMismatchedEnvKey(deps);
    if (!flags.force) {
      throw new CliError(
        EXIT.alreadyInitialised,
        `ma-auth is already set up here (found ${existing.join(', ')}). Replacing it would orphan the data key and every linked token. Use --force to replace it (it backs it up first).`,
      );
    }
    await checkForce(flags, deps);
  }

  const interactive = !flags.yes && deps.io.canPrompt();
  const input = interactive ? await askSetup(flags, deps) : fromFlags(flags, deps);
  // --force: a verified passphrase backup first, then the old set-up moves aside (force.ts).
  const replacing = existing.length > 0 ? await backUpExisting(flags, deps) : null;

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await createInstall(input, {
      env: deps.env,
      paths: deps.paths,
      now: deps.now(),
      keychain: deps.keychain,
      interrupted: () => interrupted,
    });
    if (interrupted) throw new SetupInterrupted();
    await replacing?.aside.discard();
    const values = alexaConsoleValues(result.config, input.redirectUris, result.alexaClientSecret);
    if (flags.json) {
      deps.io.out(
        JSON.stringify({
          event: 'initialised',
          configFile: deps.paths.configFile,
          dataDir: deps.paths.dataDir,
          keyStore: result.config.keyStore,
          keySource: result.keySource.location,
          keyFingerprint: fingerprint(result.key),
          ...(replacing ? { previousSetupBackup: replacing.backupFile } : {}),
          alexa: values,
          musicAssistant: {
            clientId: 'music-assistant',
            secretFile: deps.paths.introspectionSecretFile,
            introspectionUri: `${result.config.publicUrl}/oauth/introspect`,
          },
        }),
      );
    } else {
      deps.io.out(renderInitResult(result, values, deps));
    }
  } catch (err) {
    await replacing?.aside.restore();
    if (err instanceof SetupInterrupted) throw new InterruptedError();
    if (err instanceof SetupError) {
      const code =
        err.code === 'exists' ? EXIT.alreadyInitialised : err.code === 'unwritable' ? EXIT.error : EXIT.usage;
      throw new CliError(code, `${err.message}\nNothing was created.`, { cause: err });
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * A store is already here: if the owner also set MA_AUTH_KEY / MA_AUTH_KEY_FILE
 * and it is not the store's key, say that (the more useful message) first.
 */
async function refuseMismatchedEnvKey(deps: Deps): Promise<void> {
  if (!existsSync(deps.paths.storeFile) || !(deps.env.MA_AUTH_KEY || deps.env.MA_AUTH_KEY_FILE)) return;
  const found = await resolveKey({ env: deps.env, paths: deps.paths }).catch(() => null);
  if (!found) return;
  const store = await SqliteStore.open({ file: deps.paths.storeFile }).catch(() => null);
  const binding = await store?.keyBinding();
  await store?.close();
  if (binding && binding.keyId !== found.key.id) {
    throw new CliError(
      EXIT.keyProblem,
      `${found.source.location} holds key ${fingerprint(found.key)}, but the store ${deps.paths.storeFile} was sealed with ${fingerprint(binding.keyId)}. Nothing was changed.`,
    );
  }
}
