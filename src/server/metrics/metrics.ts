/**
 * The listener's Prometheus metrics (prom-client), on a registry of their own.
 *
 * Every label value comes from a fixed set: an outcome the protocol core
 * reports (src/oauth/events.ts), a rate-limit rule name, a route path from the
 * routes table (never the request's path), an HTTP method from a short list,
 * a status code. Nothing a client sends — token, code, secret, client id,
 * address, user agent — ever becomes a label, so the exposition cannot leak one
 * and a client cannot blow up the number of series.
 *
 * Names follow the Prometheus conventions: `ma_auth_` prefix, `_total` for
 * counters, base units (`_seconds`).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OAuthEvent } from '../../oauth/events.js';
import { DEFAULT_RATE_RULES } from '../http/rate-limit.js';

/** The hooks the listener, the rate limiter, the store and the core call. */
export interface Metrics {
  readonly registry: Registry;
  /** For `OAuthDeps.events`. */
  readonly onOAuthEvent: (event: OAuthEvent) => void;
  /** For the rate limiter: one request refused by `rule`. */
  readonly onRateLimited: (rule: string) => void;
  /** For `Store.observeCommits`. */
  readonly onStoreCommit: (seconds: number) => void;
  /** For the listener: one finished request. `route` is a routes-table path; null when none matched. */
  readonly onRequest: (request: {
    readonly route: string | null;
    readonly method: string;
    readonly status: number;
    readonly seconds: number;
  }) => void;
}

/** The route label of a request that matched no route. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Up to and past Alexa's 4.5 s token deadline. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 4.5, 10];
/** A commit is one fsync on a local disk: sub-millisecond to tens of milliseconds. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const METHODS = new Set(['GET', 'HEAD', 'POST']);

export function createMetrics(options: { version: string; routes: readonly string[] }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'ma_auth_build_info',
    help: 'Always 1; the version label says which ma-auth runs.',
    labelNames: ['version'],
    registers,
  }).set({ version: options.version }, 1);

  const authorizations = new Counter({
    name: 'ma_auth_authorizations_total',
    help: 'Account-linking requests on the consent page: started (page shown), approved (linked), denied.',
    labelNames: ['outcome'],
    registers,
  });
  const deviceAuthorizations = new Counter({
    name: 'ma_auth_device_authorizations_total',
    help: 'Pairings started (RFC 8628 device authorization requests), by ma-auth link or a device client.',
    registers,
  });
  const pairingAttempts = new Counter({
    name: 'ma_auth_pairing_attempts_total',
    help: 'Pairing codes entered on the consent page: ok, wrong_code, locked_out (refused: too many wrong codes).',
    labelNames: ['outcome'],
    registers,
  });
  const pairingLockouts = new Counter({
    name: 'ma_auth_pairing_lockouts_total',
    help: 'Times a consent request or a client address reached its wrong-pairing-code limit.',
    labelNames: ['by'],
    registers,
  });
  const tokensIssued = new Counter({
    name: 'ma_auth_tokens_issued_total',
    help: 'Token responses sent, by grant.',
    labelNames: ['grant'],
    registers,
  });
  const refreshes = new Counter({
    name: 'ma_auth_refreshes_total',
    help:
      'Refresh grants: rotated (newest token presented), ok (an older, still accepted token: the client ' +
      'did not store the rotation, or retried), reuse_detected (grant revoked), rejected.',
    labelNames: ['outcome'],
    registers,
  });
  const introspections = new Counter({
    name: 'ma_auth_introspections_total',
    help: 'Token introspections answered (Music Assistant), by result.',
    labelNames: ['result'],
    registers,
  });
  const clientAuthFailures = new Counter({
    name: 'ma_auth_client_authentication_failures_total',
    help: 'Requests whose client authentication failed (wrong or missing secret, unknown client).',
    registers,
  });
  const rateLimited = new Counter({
    name: 'ma_auth_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit, by rule.',
    labelNames: ['rule'],
    registers,
  });
  const storeCommits = new Histogram({
    name: 'ma_auth_store_commit_duration_seconds',
    help: 'Store write transactions, from BEGIN to a durable COMMIT (fsync).',
    buckets: COMMIT_BUCKETS,
    registers,
  });
  const requests = new Histogram({
    name: 'ma_auth_http_request_duration_seconds',
    help: 'Listener requests by route (from the routes table; "unmatched" for anything else), method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: REQUEST_BUCKETS,
    registers,
  });

  // Series that exist from the start, so a rate() over them works before the first event.
  for (const outcome of ['started', 'approved', 'denied']) authorizations.inc({ outcome }, 0);
  for (const outcome of ['ok', 'wrong_code', 'locked_out']) pairingAttempts.inc({ outcome }, 0);
  for (const by of ['request', 'address']) pairingLockouts.inc({ by }, 0);
  for (const grant of ['authorization_code', 'refresh_token', 'device_code']) tokensIssued.inc({ grant }, 0);
  for (const outcome of ['rotated', 'ok', 'reuse_detected', 'rejected']) refreshes.inc({ outcome }, 0);
  for (const result of ['active', 'inactive']) introspections.inc({ result }, 0);
  for (const rule of Object.keys(DEFAULT_RATE_RULES)) rateLimited.inc({ rule }, 0);
  deviceAuthorizations.inc(0);
  clientAuthFailures.inc(0);

  const routes = new Set(options.routes);
  return {
    registry,
    onOAuthEvent(event) {
      switch (event.kind) {
        case 'authorization':
          return authorizations.inc({ outcome: event.outcome });
        case 'device_authorization_started':
          return deviceAuthorizations.inc();
        case 'pairing_attempt':
          return pairingAttempts.inc({ outcome: event.outcome });
        case 'pairing_lockout':
          return pairingLockouts.inc({ by: event.by });
        case 'tokens_issued':
          return tokensIssued.inc({ grant: event.grant });
        case 'refresh':
          return refreshes.inc({ outcome: event.outcome });
        case 'introspection':
          return introspections.inc({ result: event.active ? 'active' : 'inactive' });
        case 'client_auth_failed':
          return clientAuthFailures.inc();
      }
    },
    onRateLimited: (rule) => rateLimited.inc({ rule }),
    onStoreCommit: (seconds) => storeCommits.observe(seconds),
    onRequest({ route, method, status, seconds }) {
      requests.observe(
        {
          route: route !== null && routes.has(route) ? route : UNMATCHED_ROUTE,
          method: METHODS.has(method) ? method : 'other',
          status: String(status),
        },
        seconds,
      );
    },
  };
}
