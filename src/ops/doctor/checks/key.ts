/** Is the data key found, and is it the key that sealed the store? */
import { fingerprint } from '../../../keys/data-key.js';
import { KeyNotFoundError } from '../../../keys/resolver.js';
import { KeySourceError } from '../../../keys/source.js';
import { StoreError } from '../../../store/errors.js';
import { SqliteStore } from '../../../store/sqlite/sqlite-store.js';
import { type Check, ok, problem, skipped, warning } from '../check.js';

const NEVER_INIT = 'Do not run ma-auth init again: a new key cannot open this store.';

export const keyCheck: Check = {
  id: 'key',
  title: 'data key',
  async run(ctx) {
    if (!(await ctx.config()).ok) return skipped('needs a valid config');
    const { paths } = ctx.deps;
    const loaded = await ctx.key();
    if (!loaded.ok) {
      const err = loaded.error;
      if (err instanceof KeyNotFoundError) {
        return problem(
          `no data key found (looked in: ${err.looked.join('; ')})`,
          'Give ma-auth the key this install was set up with: set MA_AUTH_KEY_FILE to the file holding it ' +
            `(Docker / Home Assistant: mount it as a secret), or put it back at ${paths.keyFile} (chmod 600). ${NEVER_INIT}`,
        );
      }
      if (err instanceof KeySourceError) {
        const fix = /Fix: (.*)$/.exec(err.message)?.[1];
        return problem(
          err.message,
          fix ?? `Check ${err.location}: it must hold the base64url data key. ${NEVER_INIT}`,
        );
      }
      throw err;
    }
    const { key, source } = loaded.value;
    const found = `${source.location}, fingerprint ${fingerprint(key)}`;
    const store = await ctx.store();
    if (!store.ok) return ok(`${found} (not compared with the store: see "store")`);
    const binding = await store.value.store.keyBinding();
    if (!binding) return ok(`${found} (the store records no key yet)`);
    const mismatch = () =>
      problem(
        `the key from ${source.location} (fingerprint ${fingerprint(key)}) is not the key that sealed the store (fingerprint ${fingerprint(binding.keyId)})`,
        `Find the key with fingerprint ${fingerprint(binding.keyId)} (your saved copy of the key file, or the secret MA_AUTH_KEY_FILE names) ` +
          `and point MA_AUTH_KEY_FILE at it, or restore it to ${paths.keyFile}; if MA_AUTH_KEY is set, correct or unset it. ${NEVER_INIT}`,
      );
    if (binding.keyId !== key.id) return mismatch();
    // Same id: now prove it opens the store (the key check value is AES-GCM sealed).
    try {
      await (await SqliteStore.open({ file: paths.storeFile, key })).close();
    } catch (err) {
      if (err instanceof StoreError && err.code === 'key_mismatch') return mismatch();
      throw err;
    }
    if (loaded.value.recovery) {
      return warning(
        `${found}, opens the store; ${loaded.value.recovery.message}`,
        'Finish the interrupted key rotation: run ma-auth status (or restart the listener), which moves the key into ' +
          'the key file or keychain; MA_AUTH_KEY / MA_AUTH_KEY_FILE you update yourself, as the summary says.',
      );
    }
    return ok(`${found}, opens the store`);
  },
};
