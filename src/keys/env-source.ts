/** `MA_AUTH_KEY`: the key itself, base64url (for orchestrators that inject secrets as variables). */

import type { Env } from '../config/paths.js';
import { CryptoError } from '../crypto/errors.js';
import { decodeKey } from './data-key.js';
import { type KeySource, KeySourceError } from './source.js';

export function envKeySource(env: Env): KeySource {
  const location = 'environment variable MA_AUTH_KEY';
  return {
    kind: 'env',
    location,
    async read() {
      const value = env.MA_AUTH_KEY;
      if (value === undefined || value === '') return null;
      try {
        return decodeKey(value);
      } catch (err) {
        if (err instanceof CryptoError) throw new KeySourceError(location, err.message);
        throw err;
      }
    },
  };
}
