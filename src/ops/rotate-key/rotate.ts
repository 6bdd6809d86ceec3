/**
 * Rotating the data key (DESIGN.md "rotate-key"), in the one order that a
 * crash at any point can recover from (key-recovery.ts):
 *
 * 1. stage  — the new key is written to the staged place (staging.ts) and read back;
 * 2. commit — every sealed field is re-sealed under it in ONE transaction on
 *    the live store, the key check included, so the store's key id flips with
 *    the data; keyed hashes that cannot be recomputed expire (reseal.ts);
 * 3. promote — the new key is written to the key source (key file, keychain);
 * 4. retire — the staged copy is removed; the old key is gone (overwritten).
 *
 * Before 2 commits, the old key still opens the store and the staged key is
 * unused. After it, the store names the new key, which is staged or promoted.
 * For MA_AUTH_KEY / MA_AUTH_KEY_FILE, which ma-auth cannot write, 3 and 4 are
 * the owner's: the new key stays staged, where every ma-auth process (a
 * running listener included) finds it, until they move it.
 */
import { type DataKey, generateDataKey } from '../../keys/data-key.js';
import type { KeySource } from '../../keys/source.js';
import { type StagingOptions, stagedSourceFor } from '../../keys/staging.js';
import { StoreError } from '../../store/errors.js';
import { openDatabase, writeTransaction } from '../../store/sqlite/database.js';
import { countSealed, type ResealResult, resealAll } from '../../store/sqlite/reseal.js';
import { keyBindingOf } from '../../store/sqlite/snapshot.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { OnProgress } from '../backup/create.js';
import { crashPoint } from '../crash-point.js';

export interface RotateInput {
  readonly storeFile: string;
  /** The key that sealed the store, and where it came from. */
  readonly current: { readonly key: DataKey; readonly source: KeySource };
  /** Where the new key goes for good; null for MA_AUTH_KEY / MA_AUTH_KEY_FILE. */
  readonly primary: KeySource | null;
  readonly staging: StagingOptions;
  readonly now: number;
  readonly onProgress?: OnProgress;
}

export interface RotateResult {
  readonly oldKey: DataKey;
  readonly newKey: DataKey;
  /** Where the new key is now. */
  readonly source: KeySource;
  /** Set when the new key stays staged (environment key sources): the owner must move it. */
  readonly stagedOnly: KeySource | null;
  readonly reseal: ResealResult;
}

export async function rotateKey(input: RotateInput): Promise<RotateResult> {
  const oldKey = input.current.key;
  // Opening verifies the key against the store (and migrates it).
  const store = await SqliteStore.open({ file: input.storeFile, key: oldKey });
  await store.close();

  const newKey = generateDataKey();
  const staged = stagedSourceFor(input.primary ?? input.current.source, input.staging);
  if (!staged.write) throw new Error(`cannot stage a key in ${staged.location}`);
  await staged.write(newKey);
  const readBack = await staged.read();
  if (readBack?.id !== newKey.id) {
    throw new StoreError('unavailable', `${staged.location} did not keep the new key; nothing was changed`);
  }
  crashPoint('rotate:staged');

  const db = openDatabase(input.storeFile);
  let reseal: ResealResult;
  try {
    const total = countSealed(db);
    reseal = writeTransaction(db, () => {
      // Under the write lock: nobody rotated meanwhile.
      const bound = keyBindingOf(db);
      if (bound !== oldKey.id) {
        throw new StoreError(
          'key_changed',
          `the store is sealed with ${bound}, not ${oldKey.id}; nothing was changed`,
        );
      }
      const result = resealAll(db, oldKey, newKey, input.now, {
        onProgress: (done) => input.onProgress?.('re-seal', done, total),
        onBatch: () => crashPoint('rotate:reseal'),
      });
      crashPoint('rotate:before-commit');
      return result;
    });
  } finally {
    db.close();
  }
  crashPoint('rotate:committed');

  if (!input.primary?.write) {
    return { oldKey, newKey, source: staged, stagedOnly: staged, reseal };
  }
  await input.primary.write(newKey);
  crashPoint('rotate:promoted');
  await staged.remove?.();
  crashPoint('rotate:retired');
  return { oldKey, newKey, source: input.primary, stagedOnly: null, reseal };
}
