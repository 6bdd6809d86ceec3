/**
 * A data key that can change under a long-running process (the listener)
 * when `rotate-key` runs beside it.
 *
 * `key` is a DataKey whose `id` and `bytes` are always those of the current
 * key, so everything that was handed it (the store, the protocol core) follows
 * a change without being rebuilt. A value is sealed or hashed synchronously,
 * so a change can never land between reading `id` and `bytes`.
 */
import type { DataKey } from './data-key.js';

export interface LiveKey {
  readonly key: DataKey;
  current(): DataKey;
  /** Finds the key with this id and makes it current; false if it is nowhere to be found. */
  adopt(keyId: string): Promise<boolean>;
}

export function liveKey(
  initial: DataKey,
  find: (keyId: string) => Promise<DataKey | null>,
  onAdopt: (previous: DataKey, next: DataKey) => void = () => {},
): LiveKey {
  let current = initial;
  // Concurrent requests that all notice the change share one lookup.
  const pending = new Map<string, Promise<boolean>>();
  const key: DataKey = {
    get id() {
      return current.id;
    },
    get bytes() {
      return current.bytes;
    },
  };
  const adopt = (keyId: string): Promise<boolean> => {
    if (current.id === keyId) return Promise.resolve(true);
    let lookup = pending.get(keyId);
    if (!lookup) {
      lookup = find(keyId)
        .then((found) => {
          if (!found || found.id !== keyId) return false;
          if (current.id !== keyId) {
            const previous = current;
            current = found;
            onAdopt(previous, found);
          }
          return true;
        })
        .finally(() => pending.delete(keyId));
      pending.set(keyId, lookup);
    }
    return lookup;
  };
  return { key, current: () => current, adopt };
}
