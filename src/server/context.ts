/**
 * What every endpoint handler receives: the request as the listener saw it
 * (`ServerRequest`) and the long-lived services (`ServerContext`).
 *
 * Handlers are `(req, ctx) => Promise<void>`: they write the response through
 * `http/respond.ts` or throw; the one error handler (`errors.ts`) renders
 * whatever they throw. Nothing here is a global, so tests build a context with
 * a fake clock, a capturing logger and a stub protocol core.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import type { DataKey } from '../keys/data-key.js';
import type { Store } from '../store/store.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';
import type { Protocol } from './protocol.js';

export interface ServerContext {
  readonly config: Config;
  readonly store: Store;
  readonly key: DataKey;
  readonly log: Logger;
  readonly limiter: RateLimiter;
  /** Epoch milliseconds; injectable so rate limits and expiry are testable. */
  readonly now: () => number;
  /** ma-auth's version, reported by /health. */
  readonly version: string;
  /** The OAuth protocol core (src/oauth), seen through the functions the endpoints call. */
  readonly protocol: Protocol;
  /** Prometheus metrics, when the config turns them on (src/server/metrics). */
  readonly metrics?: Pick<Metrics, 'onRequest'> | undefined;
}

export interface ServerRequest {
  readonly raw: IncomingMessage;
  readonly res: ServerResponse;
  /** HEAD is routed as GET (Node drops the body); this is the method as sent. */
  readonly method: string;
  /** Path without the public URL's path prefix and without the query. Never decoded. */
  readonly path: string;
  /** The query string without `?`; '' when absent. */
  readonly rawQuery: string;
  /** See http/client-address.ts: the socket peer unless a trusted proxy says otherwise. */
  readonly clientAddress: string;
  readonly protocol: 'http' | 'https';
}

export type Handler = (req: ServerRequest, ctx: ServerContext) => Promise<void>;
