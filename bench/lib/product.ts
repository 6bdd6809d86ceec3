/**
 * ma-auth's own modules, loaded from this run's build (lib/build.ts) and typed
 * by their sources. The bench never imports src/ at run time: it measures the
 * compiled code an installed package would run.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ConfigModule from '../../src/config/config.js';
import type * as PathsModule from '../../src/config/paths.js';
import type * as RandomModule from '../../src/crypto/random-token.js';
import type * as ResolverModule from '../../src/keys/resolver.js';
import type * as ClientsModule from '../../src/oauth/builtin-clients.js';
import type * as IssueModule from '../../src/oauth/issue.js';
import type * as ScopesModule from '../../src/oauth/scopes.js';
import type * as RateLimitModule from '../../src/server/http/rate-limit.js';
import type * as LogModule from '../../src/server/log.js';
import type * as ServeModule from '../../src/server/serve.js';
import type * as AuditModule from '../../src/store/sqlite/audit.js';
import type * as SqliteStoreModule from '../../src/store/sqlite/sqlite-store.js';

export interface Product {
  readonly config: typeof ConfigModule;
  readonly paths: typeof PathsModule;
  readonly random: typeof RandomModule;
  readonly resolver: typeof ResolverModule;
  readonly clients: typeof ClientsModule;
  readonly issue: typeof IssueModule;
  readonly scopes: typeof ScopesModule;
  readonly rateLimit: typeof RateLimitModule;
  readonly log: typeof LogModule;
  readonly serve: typeof ServeModule;
  readonly sqliteStore: typeof SqliteStoreModule;
  /** The store's own audit writer, for bulk filler inside the bench's own transaction. */
  readonly sqliteAudit: typeof AuditModule;
}

export async function loadProduct(dist: string): Promise<Product> {
  const load = (path: string) => import(pathToFileURL(join(dist, path)).href);
  return {
    config: await load('config/config.js'),
    paths: await load('config/paths.js'),
    random: await load('crypto/random-token.js'),
    resolver: await load('keys/resolver.js'),
    clients: await load('oauth/builtin-clients.js'),
    issue: await load('oauth/issue.js'),
    scopes: await load('oauth/scopes.js'),
    rateLimit: await load('server/http/rate-limit.js'),
    log: await load('server/log.js'),
    serve: await load('server/serve.js'),
    sqliteStore: await load('store/sqlite/sqlite-store.js'),
    sqliteAudit: await load('store/sqlite/audit.js'),
  };
}

/** Config and data key of an install, found the way the CLI finds them. */
export async function openInstall(product: Product, env: Record<string, string>) {
  const paths = product.paths.resolvePaths(env);
  const config = await product.config.loadConfig(paths.configFile);
  const resolved = await product.resolver.resolveKey({ env, paths, keyStore: config.keyStore });
  return { paths, config, key: resolved.key };
}
