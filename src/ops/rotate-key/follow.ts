/**
 * The listener's store and key, following rotations made by `ma-auth
 * rotate-key` in another process (docs/decisions.md "Listener continuity"):
 * a live key (keys/live-key.ts) that finds a new key where a rotation puts it
 * (staged first, then the key sources), and a store that adopts it the moment
 * the store's key binding changes (store/follow-key.ts).
 */
import type { DataKey } from '../../keys/data-key.js';
import { liveKey } from '../../keys/live-key.js';
import { findKeyById, type StagingOptions } from '../../keys/staging.js';
import { followKeyChanges } from '../../store/follow-key.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';

export async function openKeyFollowingStore(
  opts: StagingOptions & { readonly storeFile: string },
  initial: DataKey,
  onAdopt: (previous: DataKey, next: DataKey) => void = () => {},
): Promise<{ store: SqliteStore; key: DataKey }> {
  const live = liveKey(initial, async (id) => (await findKeyById(opts, id))?.key ?? null, onAdopt);
  const store = await SqliteStore.open({
    file: opts.storeFile,
    key: live.key,
    listener: true,
  });
  return { store: followKeyChanges(store, live), key: live.key };
}
