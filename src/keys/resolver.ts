/**
 * Finds the data key, asking the sources in DESIGN.md's order:
 *
 *   MA_AUTH_KEY → MA_AUTH_KEY_FILE → OS keychain → key file (config dir)
 *
 * The keychain is asked only when the install chose it at `init` (it is the
 * only source that can prompt or stall on a headless machine, and an install
 * that chose another source never wrote there). The first source that has a
 * key wins; a source that has something unusable stops the search with that
 * error, because falling through to another key would open the store with the
 * wrong one. When nothing is found, the error names every place looked.
 */
import type { Env, Paths } from '../config/paths.js';
import type { DataKey } from './data-key.js';
import { envKeySource } from './env-source.js';
import { envFileKeySource, ownKeyFileSource } from './file-source.js';
import { keychainKeySource } from './keychain-source.js';
import type { KeySource, KeyStoreChoice } from './source.js';

export interface ResolvedKey {
  readonly key: DataKey;
  readonly source: KeySource;
}

export class KeyNotFoundError extends Error {
  override readonly name = 'KeyNotFoundError';
  constructor(readonly looked: readonly string[]) {
    super(
      `no data key found. Looked in:\n${looked.map((l) => `  - ${l}`).join('\n')}\n` +
        'Set MA_AUTH_KEY or MA_AUTH_KEY_FILE to the key this install was set up with, ' +
        'or restore the key file / keychain entry from where you saved it. ' +
        'ma-auth never creates a new key over existing data.',
    );
  }
}

export interface ResolveOptions {
  readonly env: Env;
  readonly paths: Paths;
  /** The source chosen at init, from the config; undefined when not initialised. */
  readonly keyStore?: KeyStoreChoice | undefined;
  /** Test seam: replaces the OS keychain. */
  readonly keychain?: KeySource | undefined;
}

/** The sources in resolution order, for this install. */
export function keySources(opts: ResolveOptions): KeySource[] {
  const sources: KeySource[] = [envKeySource(opts.env)];
  if (opts.env.MA_AUTH_KEY_FILE) sources.push(envFileKeySource(opts.env.MA_AUTH_KEY_FILE));
  if (opts.keyStore === 'keychain') sources.push(opts.keychain ?? keychainKeySource(opts.paths.configDir));
  sources.push(ownKeyFileSource(opts.paths.keyFile));
  return sources;
}

export async function resolveKey(opts: ResolveOptions): Promise<ResolvedKey> {
  const looked: string[] = [];
  for (const source of keySources(opts)) {
    const key = await source.read();
    if (key) return { key, source };
    looked.push(`${source.location}: not set`);
  }
  throw new KeyNotFoundError(looked);
}

/** The source a new key is written to at init, for the chosen key store. */
export function writableSource(choice: KeyStoreChoice, opts: ResolveOptions): KeySource | null {
  if (choice === 'keychain') return opts.keychain ?? keychainKeySource(opts.paths.configDir);
  if (choice === 'file') return ownKeyFileSource(opts.paths.keyFile);
  return null;
}
