/**
 * What every protocol function receives: the store, the data key, a clock and
 * the settings it needs from the config. No HTTP types: the listener passes
 * the request's parameters and `RequestMeta` (client address, user agent).
 */
import type { Config } from '../config/config.js';
import type { DataKey } from '../keys/data-key.js';
import type { Store } from '../store/store.js';
import type { OAuthEvent } from './events.js';

export type { RequestMeta } from '../store/types.js';

/** `publicUrl` without a trailing slash; lifetimes in seconds (Config's validation applies). */
export type OAuthSettings = Pick<Config, 'publicUrl' | 'accessTokenTtl' | 'refreshIdleTtl'>;

export interface OAuthDeps {
  readonly store: Store;
  readonly key: DataKey;
  /** Epoch milliseconds; tests pass a clock they advance. */
  readonly now: () => number;
  readonly settings: OAuthSettings;
  /** Optional observer (metrics): outcomes only, never a secret. See events.ts. */
  readonly events?: ((event: OAuthEvent) => void) | undefined;
}
