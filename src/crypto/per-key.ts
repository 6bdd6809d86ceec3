/**
 * Values derived from a data key, computed once per key and kept as long as
 * the key object lives: the AES KeyObject, HKDF sub-keys, the CLI client's
 * secret. Each is needed on every request, and deriving or importing it costs
 * more than the work it is for. A rotated key is a new DataKey object, so
 * nothing derived from the old one is ever served for the new.
 */
import type { DataKey } from '../keys/data-key.js';

const derived = new WeakMap<DataKey, Map<string, unknown>>();

export function derivedOnce<T>(key: DataKey, name: string, make: () => T): T {
  let forKey = derived.get(key);
  if (!forKey) {
    forKey = new Map();
    derived.set(key, forKey);
  }
  if (!forKey.has(name)) forKey.set(name, make());
  return forKey.get(name) as T;
}
