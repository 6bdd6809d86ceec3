/**
 * Dependencies every command may use, built once at start-up. Tests build
 * their own (fake IO, a fixed clock, a scripted prompter) instead of patching globals.
 */

import type { Config } from '../config/config.js';
import { loadConfig } from '../config/config.js';
import { type Env, type Paths, resolvePaths } from '../config/paths.js';
import type { ResolvedKey } from '../keys/resolver.js';
import type { KeySource } from '../keys/source.js';
import { resolveStoreKey } from '../ops/key-recovery.js';
import { type IO, systemIO } from './io.js';
import { inquirerPrompter, type Prompter } from './prompter.js';

export interface Deps {
  readonly io: IO;
  readonly env: Env;
  readonly paths: Paths;
  readonly prompter: Prompter;
  readonly now: () => number;
  /** Test seam for the OS keychain. */
  readonly keychain?: KeySource | undefined;
}

export function systemDeps(env: Env = process.env): Deps {
  return {
    io: systemIO(env),
    env,
    paths: resolvePaths(env),
    prompter: inquirerPrompter(),
    now: Date.now,
  };
}

/**
 * The config and the key, for commands that need an initialised install. The
 * key is the one the store is sealed with: a rotation interrupted after it
 * re-sealed the store is finished here (src/ops/key-recovery.ts), and said so.
 */
export async function loadInstall(deps: Deps): Promise<{ config: Config; resolved: ResolvedKey }> {
  const config = await loadConfig(deps.paths.configFile);
  const resolved = await resolveStoreKey({
    env: deps.env,
    paths: deps.paths,
    keyStore: config.keyStore,
    keychain: deps.keychain,
    storeFile: deps.paths.storeFile,
    dataDir: deps.paths.dataDir,
  });
  if (resolved.recovery) deps.io.err(`note: ${resolved.recovery.message}`);
  return { config, resolved };
}
