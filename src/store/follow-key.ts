/**
 * A Store that follows a data-key rotation made by another process (the
 * listener's store; docs/decisions.md "Listener continuity").
 *
 * Before each call it compares the store's key binding (one indexed read of a
 * tiny table) with the live key, and adopts the new key when they differ. A
 * rotation can still commit between that check and the call; then the call
 * fails cleanly — a write transaction checks the binding under the write lock
 * and rolls back (StoreError `key_changed`), a read of a sealed value fails
 * with CryptoError `wrong_key` — and is run again with the new key. Either way
 * nothing was written under the old key, and the caller sees no error.
 */
import { CryptoError } from '../crypto/errors.js';
import type { LiveKey } from '../keys/live-key.js';
import { StoreError } from './errors.js';
import type { Store } from './store.js';

/** Methods that are not async calls on the store's data. */
const PASS_THROUGH = new Set<PropertyKey>(['close', 'keyBinding', 'observeCommits', 'constructor']);
const ATTEMPTS = 3;

export function followKeyChanges<S extends Store>(store: S, live: LiveKey): S {
  const sync = async (): Promise<void> => {
    const binding = await store.keyBinding();
    if (!binding || binding.keyId === live.current().id) return;
    if (!(await live.adopt(binding.keyId))) {
      throw new StoreError(
        'key_mismatch',
        `the store is now sealed with data key ${binding.keyId}, and that key is in none of the key sources`,
      );
    }
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (PASS_THROUGH.has(prop)) return value.bind(target);
      return async (...args: unknown[]) => {
        for (let attempt = 1; ; attempt++) {
          await sync();
          try {
            return await value.apply(target, args);
          } catch (err) {
            if (attempt >= ATTEMPTS || !isKeyChange(err)) throw err;
          }
        }
      };
    },
  });
}

function isKeyChange(err: unknown): boolean {
  return (
    (err instanceof StoreError && err.code === 'key_changed') ||
    (err instanceof CryptoError && err.code === 'wrong_key')
  );
}
