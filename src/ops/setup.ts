/**
 * Creating an install: key, store, clients, secret file, config — all or
 * nothing. Every step registers its undo; any failure (or Ctrl-C between
 * steps) runs the undos in reverse, so a failed set-up leaves no trace.
 * The config is written last: its presence marks a complete install.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CONFIG_VERSION, type Config, saveConfig } from '../config/config.js';
import { writeFileAtomic } from '../config/fs-private.js';
import type { Env, Paths } from '../config/paths.js';
import { sha256Hex } from '../crypto/hash.js';
import { randomId, randomToken } from '../crypto/random-token.js';
import { type DataKey, generateDataKey } from '../keys/data-key.js';
import { envKeySource } from '../keys/env-source.js';
import { envFileKeySource } from '../keys/file-source.js';
import { writableSource } from '../keys/resolver.js';
import type { KeySource, KeyStoreChoice } from '../keys/source.js';
import { alexaClient, cliClient, musicAssistantClient } from '../oauth/builtin-clients.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

export interface SetupInput {
  readonly publicUrl: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly keyStore: KeyStoreChoice;
  readonly alexaClientId: string;
  readonly redirectUris: readonly string[];
  readonly insecureHttp: boolean;
  readonly ownerName: string;
}

export interface SetupResult {
  readonly config: Config;
  readonly key: DataKey;
  readonly keySource: KeySource;
  /** Shown once, never stored in clear. */
  readonly alexaClientSecret: string;
}

export class SetupError extends Error {
  override readonly name = 'SetupError';
  constructor(
    readonly code: 'exists' | 'no_env_key' | 'env_key_conflicts' | 'unwritable',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What already exists of an install at these paths (files only; the keychain is asked separately). */
export function existingInstall(paths: Paths): string[] {
  return [paths.configFile, paths.storeFile, paths.keyFile, paths.introspectionSecretFile].filter((p) =>
    existsSync(p),
  );
}

export async function createInstall(
  input: SetupInput,
  ctx: { env: Env; paths: Paths; now: number; keychain?: KeySource | undefined; interrupted?: () => boolean },
): Promise<SetupResult> {
  const { paths } = ctx;
  const undo: Array<() => Promise<void>> = [];
  const step = async <T>(run: () => Promise<T>, revert?: (value: T) => Promise<void>): Promise<T> => {
    if (ctx.interrupted?.()) throw new SetupInterrupted();
    const value = await run();
    if (revert) undo.push(() => revert(value));
    return value;
  };
  try {
    const { key, source, created } = await step(() => obtainKey(input.keyStore, ctx));
    for (const dir of [paths.configDir, paths.dataDir]) {
      await step(
        () => makeDir(dir),
        async (made) => {
          if (made) await rm(made, { recursive: true, force: true });
        },
      );
    }
    if (created && source.write) {
      const write = source.write.bind(source);
      await step(
        () => write(key),
        async () => source.remove?.(),
      );
    }
    const alexaSecret = randomToken('clientSecret');
    const maSecret = randomToken('clientSecret');
    await step(
      async () => {
        const store = await SqliteStore.open({ file: paths.storeFile, key, create: true });
        try {
          await store.initialise({
            owner: { id: randomId(), name: input.ownerName },
            clients: [
              alexaClient(input.alexaClientId, input.redirectUris, sha256Hex(alexaSecret)),
              cliClient(),
              musicAssistantClient(sha256Hex(maSecret)),
            ],
            now: ctx.now,
          });
        } finally {
          await store.close();
        }
      },
      async () => {
        for (const suffix of ['', '-wal', '-shm', '-journal'])
          await rm(paths.storeFile + suffix, { force: true });
      },
    );
    await step(
      () => writeFileAtomic(paths.introspectionSecretFile, `${maSecret}\n`),
      () => rm(paths.introspectionSecretFile, { force: true }),
    );
    const config: Config = {
      version: CONFIG_VERSION,
      publicUrl: input.publicUrl.replace(/\/+$/, ''),
      listen: input.listen,
      keyStore: input.keyStore,
      alexaClientId: input.alexaClientId,
      trustProxy: false,
      insecureHttp: input.insecureHttp,
      accessTokenTtl: 3600,
      refreshIdleTtl: 180 * 24 * 3600,
    };
    await step(
      () => saveConfig(paths.configFile, config),
      () => rm(paths.configFile, { force: true }),
    );
    return { config, key, keySource: source, alexaClientSecret: alexaSecret };
  } catch (err) {
    for (const revert of undo.reverse()) await revert().catch(() => {});
    throw err;
  }
}

export class SetupInterrupted extends Error {
  override readonly name = 'SetupInterrupted';
}

/**
 * The key for a new install. `env` uses the key the owner already put in
 * MA_AUTH_KEY / MA_AUTH_KEY_FILE; other choices generate one. A key in the
 * environment always wins at run time, so with any other choice it would
 * silently shadow the key written here: refuse that combination.
 */
async function obtainKey(
  choice: KeyStoreChoice,
  ctx: { env: Env; paths: Paths; keychain?: KeySource | undefined },
): Promise<{ key: DataKey; source: KeySource; created: boolean }> {
  const envSources = [envKeySource(ctx.env)];
  if (ctx.env.MA_AUTH_KEY_FILE) envSources.push(envFileKeySource(ctx.env.MA_AUTH_KEY_FILE));
  for (const source of envSources) {
    const key = await source.read();
    if (!key) continue;
    if (choice !== 'env') {
      throw new SetupError(
        'env_key_conflicts',
        `${source.location} is set, and it would override the ${choice} key at run time. ` +
          'Use --key-store env to set up with that key, or unset it.',
      );
    }
    return { key, source, created: false };
  }
  if (choice === 'env') {
    throw new SetupError(
      'no_env_key',
      '--key-store env needs the key in MA_AUTH_KEY or MA_AUTH_KEY_FILE, and neither is set. Generate one with:\n' +
        `  node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
  const source = writableSource(choice, { env: ctx.env, paths: ctx.paths, keychain: ctx.keychain });
  if (!source) throw new Error(`no writable key source for ${choice}`);
  if (await source.read()) {
    throw new SetupError(
      'exists',
      `${source.location} already holds a data key; ma-auth never replaces a key.`,
    );
  }
  return { key: generateDataKey(), source, created: true };
}

/** mkdir -p, returning the topmost directory it created (for undo), or null. */
async function makeDir(dir: string): Promise<string | null> {
  try {
    const made = await mkdir(dir, { recursive: true, mode: 0o700 });
    return made ?? null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SetupError(
      'unwritable',
      `cannot create ${dir} (${code}); check ${dirname(dir)} exists and is writable`,
      {
        cause: err,
      },
    );
  }
}
