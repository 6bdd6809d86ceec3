/**
 * A key source: one place a data key can live. The resolver asks them in
 * DESIGN.md's order; each answers with the key, "not here" (null), or an error
 * when something is there but unusable (which is never silently skipped: a
 * broken key file must not make the resolver fall through to another key).
 */
import type { DataKey } from './data-key.js';

export type KeySourceKind = 'env' | 'env-file' | 'keychain' | 'file';

/** The sources an owner can choose at `init` (`env` covers both env variables). */
export type KeyStoreChoice = 'keychain' | 'file' | 'env';

export interface KeySource {
  readonly kind: KeySourceKind;
  /** Where it looked, for messages: `environment variable MA_AUTH_KEY`, a path, a keychain entry. */
  readonly location: string;
  read(): Promise<DataKey | null>;
  /** Writable sources store a new key; env sources cannot be written. */
  write?(key: DataKey): Promise<void>;
  /** Remove the key (rollback of a failed init, retirement after rotation). */
  remove?(): Promise<void>;
}

export class KeySourceError extends Error {
  override readonly name = 'KeySourceError';
  constructor(
    readonly location: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${location}: ${message}`, options);
  }
}
