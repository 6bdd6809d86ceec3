/**
 * ma-auth's real listener, started the way `ma-auth serve` starts it (same
 * store, key resolution, logger to stdout, signal handling), from this run's
 * build, in a process with the Node options ma-auth gives its listener
 * (lib/servers.ts startMaAuth) — with one difference: rate limits. The bench
 * drives thousands of requests per second from 127.0.0.1 with one client id,
 * far past the per-address and per-client limits meant for one household, so
 * `relaxed` passes `startServer`'s `rateLimits` option with every rule
 * raised out of reach. The limiter still runs on every request (its cost is
 * measured); it just never says no. `default` keeps the shipped limits.
 *
 * stdout (the access log, one JSON line per request) goes where the parent
 * points it: a file, as with `serve --detach`.
 *
 * Usage: ma-auth.ts <dist> <MA_AUTH_HOME> <relaxed|default>
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataKey } from '../../src/keys/data-key.js';
import type { Store } from '../../src/store/store.js';
import { loadProduct, openInstall } from '../lib/product.js';
import { announceReady, onStop } from './child.js';

const [dist, home, limits] = process.argv.slice(2) as [string, string, string];
const product = await loadProduct(dist);
const env = { ...process.env, MA_AUTH_HOME: home } as Record<string, string>;
const { paths, config, key } = await openInstall(product, env);
const log = product.log.createLogger();

/**
 * The store as `ma-auth serve` opens it. Where the build has the key-following
 * store (a listener that keeps serving across `ma-auth rotate-key`), serve
 * uses it, so the bench does too; otherwise the plain SqliteStore.
 */
async function openStore(): Promise<{ store: Store; key: DataKey; how: string }> {
  const follow = join(dist, 'ops', 'rotate-key', 'follow.js');
  if (existsSync(follow)) {
    const { openKeyFollowingStore } = (await import(pathToFileURL(follow).href)) as {
      openKeyFollowingStore: (
        opts: Record<string, unknown>,
        initial: DataKey,
        onAdopt?: (previous: DataKey, next: DataKey) => void,
      ) => Promise<{ store: Store; key: DataKey }>;
    };
    const opened = await openKeyFollowingStore(
      { env, paths, keyStore: config.keyStore, keychain: undefined, storeFile: paths.storeFile },
      key,
    );
    return { ...opened, how: 'key-following store (as ma-auth serve)' };
  }
  const store = await product.sqliteStore.SqliteStore.open({ file: paths.storeFile, key });
  return { store, key, how: 'SqliteStore (as ma-auth serve)' };
}

const opened = await openStore();
const relaxed = Object.fromEntries(
  Object.keys(product.rateLimit.DEFAULT_RATE_RULES).map((rule) => [rule, { limit: 1e12, windowSeconds: 1 }]),
);
const server = await product.serve.startServer({
  config,
  store: opened.store,
  key: opened.key,
  log,
  ...(limits === 'relaxed' ? { rateLimits: relaxed } : {}),
  handleSignals: false,
});
announceReady({ port: server.address.port, limits, store: opened.how });
onStop(() => server.close());
