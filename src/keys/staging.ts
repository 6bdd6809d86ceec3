/**
 * The staged key: where `rotate-key` puts a new key before the store is
 * re-sealed with it, so that at every moment of a rotation — and after a crash
 * at any point of it — the key that sealed the store can be found:
 *
 *   stage new key → commit the re-sealed store → promote (write it to the
 *   key source) → retire (remove the staged copy)
 *
 * - key file and environment sources: `data.key.staged` (mode 0600) beside the
 *   key file in the config dir. For MA_AUTH_KEY / MA_AUTH_KEY_FILE, which
 *   ma-auth cannot write, it stays there until the owner moves the key where
 *   their environment expects it;
 * - OS keychain: a second entry (keychain-source.ts, slot `staged`).
 *
 * Anything that opens the store asks the staged places too when the store's
 * key id is not that of the key found the usual way (src/ops/key-recovery.ts).
 */
import { join } from 'node:path';
import type { Paths } from '../config/paths.js';
import type { DataKey } from './data-key.js';
import { ownKeyFileSource } from './file-source.js';
import { keychainKeySource } from './keychain-source.js';
import { keySources, type ResolveOptions } from './resolver.js';
import type { KeySource } from './source.js';

export interface StagingOptions extends ResolveOptions {
  /** Test seam: replaces the OS keychain's staged entry. */
  readonly keychainStaged?: KeySource | undefined;
}

export function stagedKeyFile(paths: Paths): string {
  return join(paths.configDir, 'data.key.staged');
}

export function stagedFileSource(paths: Paths): KeySource {
  const path = stagedKeyFile(paths);
  return { ...ownKeyFileSource(path), location: `staged key file ${path}` };
}

/** Where a rotation stages its new key, given the source the current key came from. */
export function stagedSourceFor(primary: KeySource, opts: StagingOptions): KeySource {
  if (primary.kind === 'keychain') {
    return opts.keychainStaged ?? keychainKeySource(opts.paths.configDir, 'staged');
  }
  return stagedFileSource(opts.paths);
}

/** Every place a staged key may be, for this install. */
export function stagedSources(opts: StagingOptions): KeySource[] {
  const sources = [stagedFileSource(opts.paths)];
  if (opts.keyStore === 'keychain') {
    sources.push(opts.keychainStaged ?? keychainKeySource(opts.paths.configDir, 'staged'));
  }
  return sources;
}

/**
 * The key with this id, wherever it is: staged places first, then the usual
 * sources. Staged first matters during a rotation: the new key is staged
 * before the store changes and removed from there only after it was promoted,
 * so reading in this order never misses it. A source that fails is skipped
 * here (another may hold the key); null when none has it.
 */
export async function findKeyById(
  opts: StagingOptions,
  keyId: string,
): Promise<{ key: DataKey; source: KeySource } | null> {
  for (const source of [...stagedSources(opts), ...keySources(opts)]) {
    const key = await source.read().catch(() => null);
    if (key?.id === keyId) return { key, source };
  }
  return null;
}
