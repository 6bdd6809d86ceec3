/**
 * `startServer`: build the context, listen on the configured address, and
 * shut down gracefully on SIGTERM (docker stop, systemd) and SIGINT (Ctrl-C).
 * A second signal cuts the remaining connections at once.
 */
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import type { DataKey } from '../keys/data-key.js';
import { oauthCore } from '../oauth/core.js';
import { logLegacyNotice } from '../ops/legacy-notice.js';
import type { Store } from '../store/store.js';
import type { ServerContext } from './context.js';
import { RateLimiter, type RateLimiterOptions } from './http/rate-limit.js';
import { isHttps } from './http/security-headers.js';
import { createListener, type ListenerOptions } from './listener.js';
import type { Logger } from './log.js';
import type { Protocol } from './protocol.js';
import { ROUTES } from './routes.js';
import { packageVersion } from './version.js';

export interface StartServerOptions {
  readonly config: Config;
  readonly store: Store;
  readonly key: DataKey;
  readonly log: Logger;
  /** The protocol core; default: the real one (src/oauth) over `store`. Tests pass stubs. */
  readonly protocol?: Protocol;
  readonly now?: () => number;
  readonly rateLimits?: RateLimiterOptions['rules'];
  readonly listener?: ListenerOptions;
  /** Where to bind; default `config.listen`. */
  readonly host?: string;
  readonly port?: number;
  /** Install SIGTERM/SIGINT handlers. Default true; tests and embedders pass false. */
  readonly handleSignals?: boolean;
}

export interface RunningServer {
  readonly address: AddressInfo;
  /** Graceful shutdown (also what the signals trigger). */
  close(): Promise<void>;
  /** Settles once the server has shut down, whoever started it. */
  readonly closed: Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  // Opt-in (config `metrics`): prom-client is loaded only then.
  const observed = config.metrics
    ? await (await import('./metrics/endpoint.js')).startMetrics({
        settings: config.metrics,
        store: options.store,
        version: packageVersion(),
        routes: (options.listener?.routes ?? ROUTES).map((r) => r.path),
        log,
      })
    : null;
  const metrics = observed?.metrics;
  const core = oauthCore({
    store: options.store,
    key: options.key,
    now,
    settings: config,
    events: metrics?.onOAuthEvent,
  });
  const ctx: ServerContext = {
    config,
    store: options.store,
    key: options.key,
    log,
    now,
    limiter: new RateLimiter({ now, rules: options.rateLimits, onLimited: metrics?.onRateLimited }),
    version: packageVersion(),
    protocol: options.protocol ?? core,
    metrics,
  };
  if (!isHttps(config.publicUrl)) {
    log.warn('the public URL is http: Alexa will refuse it; use this only for local testing', {
      publicUrl: config.publicUrl,
    });
  }
  const listener = createListener(ctx, options.listener);
  const address = await listener
    .listen(options.host ?? config.listen.host, options.port ?? config.listen.port)
    .catch(async (err: unknown) => {
      await observed?.close();
      throw err;
    });
  log.info('listening', { address: address.address, port: address.port, publicUrl: config.publicUrl });
  const stopSweeping = sweepPeriodically(core.sweep, log);
  // Once per process (src/ops/legacy-notice.ts); never delays or fails the start.
  void logLegacyNotice(options.store, process.env, log);

  let resolveClosed!: () => void;
  let rejectClosed!: (err: unknown) => void;
  const closed = new Promise<void>((resolve, reject) => {
    resolveClosed = resolve;
    rejectClosed = reject;
  });
  // Marked handled: an embedder that never awaits `closed` must not crash on a failed shutdown (it is logged).
  closed.catch(() => {});
  let shutdown: Promise<void> | null = null;
  const close = (): Promise<void> => {
    stopSweeping();
    observed?.close().catch((err: unknown) => log.error('metrics: could not stop', { err }));
    shutdown ??= listener.close().then(
      () => {
        removeSignals();
        log.info('stopped');
        resolveClosed();
      },
      (err: unknown) => {
        removeSignals();
        log.error('shutdown failed', { err });
        rejectClosed(err);
        throw err;
      },
    );
    return shutdown;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown) {
      log.warn('second signal: closing remaining connections now', { signal });
      listener.forceClose();
      return;
    }
    log.info('shutting down', { signal });
    close().catch(() => {}); // reported through `closed` and the log
  };
  const signals: NodeJS.Signals[] = options.handleSignals === false ? [] : ['SIGTERM', 'SIGINT'];
  for (const s of signals) process.on(s, onSignal);
  const removeSignals = () => {
    for (const s of signals) process.off(s, onSignal);
  };

  return { address, close, closed };
}

/** Expired codes, pairings and pending requests are swept at start-up and every 10 minutes. */
export const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

function sweepPeriodically(sweep: () => Promise<unknown>, log: Logger): () => void {
  const run = () => {
    sweep().catch((err: unknown) => log.error('sweep failed', { err }));
  };
  run();
  const timer = setInterval(run, SWEEP_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
