/**
 * The store as owner commands (`clients`, `tokens`) use it: directly, with the
 * data key, whether or not a listener is running — SQLite in WAL mode with
 * write transactions is safe to share with it (docs/decisions.md "Store").
 */
import type { Config } from '../config/config.js';
import type { OAuthDeps } from '../oauth/context.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { type Deps, loadInstall } from './deps.js';

export interface AdminContext {
  readonly config: Config;
  readonly oauth: Pick<OAuthDeps, 'store' | 'now'>;
}

export async function withAdminStore<T>(deps: Deps, fn: (ctx: AdminContext) => Promise<T>): Promise<T> {
  const { config, resolved } = await loadInstall(deps);
  const store = await SqliteStore.open({ file: deps.paths.storeFile, key: resolved.key });
  try {
    return await fn({ config, oauth: { store, now: deps.now } });
  } finally {
    await store.close();
  }
}
