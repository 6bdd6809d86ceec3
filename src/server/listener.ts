/**
 * The listener: node:http, the routes table, and the life cycle.
 *
 * - Every response starts with the base security headers; the route's
 *   handler runs under a deadline (Alexa abandons a token request after
 *   4.5 s, so a stuck request answers 503 rather than hanging).
 * - One access-log line per request: method, path (never the query), status,
 *   duration (from the request's parsing), client address.
 * - The routes of the requests parsed in one turn of the event loop run
 *   together, after that turn's parsing (http/turn-batch.ts: why).
 * - `close()` is graceful: stop accepting, let in-flight requests finish
 *   within a deadline, cut what is left, then close the store — the listener
 *   is its last user.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { OAuthError } from '../oauth/errors.js';
import type { ServerContext, ServerRequest } from './context.js';
import { handleError, type RouteKind, sendMethodNotAllowed, sendNotFound } from './errors.js';
import { clientAddress, effectiveProtocol } from './http/client-address.js';
import { setBaseHeaders } from './http/respond.js';
import { baseSecurityHeaders } from './http/security-headers.js';
import { TurnBatch } from './http/turn-batch.js';
import { matchRoute, ROUTES, type Route } from './routes.js';
import { basePath } from './urls.js';

export interface ListenerOptions {
  /** Deadline for a handler to answer. Default 4 s: under Alexa's 4.5 s token timeout. */
  readonly handlerTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests. Default 8 s: Docker kills after 10 s, and the store must still close. */
  readonly shutdownTimeoutMs?: number;
  /** Defaults to ROUTES; tests add routes (e.g. a slow one). */
  readonly routes?: readonly Route[];
}

export const DEFAULT_HANDLER_TIMEOUT_MS = 4_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8_000;

/** Whole request, body included: slow-loris uploads are cut here. */
const REQUEST_TIMEOUT_MS = 15_000;
const HEADERS_TIMEOUT_MS = 10_000;
/**
 * Idle keep-alive connections are kept longer than the proxies in front keep
 * theirs (nginx 60 s, cloudflared 90 s): if the listener closed first, a proxy
 * could send a request onto a connection being closed and answer 502.
 */
const KEEP_ALIVE_TIMEOUT_MS = 95_000;
/**
 * Connections the kernel may hold waiting for accept(). Node asks for 511; a
 * burst beyond that (a thousand clients connecting at once) has its SYNs
 * dropped and retried a second later, a second added to each of those
 * requests. The kernel caps this at net.core.somaxconn (4096 on current Linux).
 */
const LISTEN_BACKLOG = 4096;
/**
 * Listening sockets on the port (SO_REUSEPORT; the kernel spreads new
 * connections over them). libuv accepts ONE connection per listening socket
 * per turn of the event loop, and under load a turn serves every busy
 * connection: measured at 1000 connections, a turn took long enough that
 * hundreds of new connections waited in the accept queue for more than 10 s
 * (84–126 clients timed out in each of three dev runs). Four sockets accept
 * four per turn: no timeouts in the same runs. More admitted at once is not
 * better either: eight made 1000 simultaneous Alexa flows slower (more
 * requests in flight, longer garbage collections). Only processes of the same
 * user can join a reuse-port group.
 */
const ACCEPTING_SOCKETS = 4;

function listenOn(
  server: NetServer,
  options: { port: number; host: string; backlog: number; reusePort: boolean },
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export interface Listener {
  readonly server: Server;
  listen(host: string, port: number): Promise<AddressInfo>;
  /** Graceful; idempotent. */
  close(): Promise<void>;
  /** Cut every connection now (a second Ctrl-C). */
  forceClose(): void;
}

export class HandlerTimeout extends OAuthError {
  override readonly name = 'HandlerTimeout';
  constructor() {
    super('temporarily_unavailable', 503, 'the server took too long to answer; retry');
    this.headers['Retry-After'] = '1';
  }
}

export function createListener(ctx: ServerContext, options: ListenerOptions = {}): Listener {
  const routes = options.routes ?? ROUTES;
  const handlerTimeoutMs = options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const securityHeaders = baseSecurityHeaders(ctx.config);
  const prefix = basePath(ctx.config);
  const inFlight = new Set<ServerResponse>();
  // Handler deadlines: one timer for the listener rather than a timer and a
  // promise race per request. Every request gets the same deadline, so the
  // set (in start order) expires from its front.
  const waiting = new Set<Deadline>();
  const tick = Math.min(100, Math.max(5, handlerTimeoutMs / 10));
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const d of waiting) {
      if (now - d.started < handlerTimeoutMs) break;
      waiting.delete(d);
      d.late = true;
      handleError(new HandlerTimeout(), d.req, ctx, d.kind);
    }
  }, tick);
  sweeper.unref();
  let onDrained: (() => void) | null = null;
  let closing: Promise<void> | null = null;
  let warnedForwarded = false;
  const turn = new TurnBatch<Admitted>((admitted) => void route(admitted));

  const newServer = () =>
    createServer(
      {
        requestTimeout: REQUEST_TIMEOUT_MS,
        headersTimeout: HEADERS_TIMEOUT_MS,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      },
      admit,
    );
  const server = newServer();
  /** Every server accepting on the port: `server` first (see ACCEPTING_SOCKETS). */
  const servers: Server[] = [server];

  /**
   * A request's bookkeeping starts as soon as it is parsed (it is in flight
   * for close() and in the access log from then on); its route runs with
   * the other requests of the same turn (TurnBatch: why).
   */
  function admit(raw: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    inFlight.add(res);
    if (closing) res.shouldKeepAlive = false;
    setBaseHeaders(res, securityHeaders);
    const { path, rawQuery } = splitTarget(raw.url ?? '', prefix);
    const req: ServerRequest = {
      raw,
      res,
      method: raw.method ?? 'GET',
      path,
      rawQuery,
      clientAddress: clientAddress(raw, ctx.config),
      protocol: effectiveProtocol(raw, ctx.config),
    };
    const admitted: Admitted = { req, started, routeLabel: null };
    res.once('close', () => {
      inFlight.delete(res);
      ctx.metrics?.onRequest({
        route: admitted.routeLabel,
        method: req.method,
        status: res.statusCode,
        seconds: (performance.now() - started) / 1000,
      });
      ctx.log.info('request', {
        method: req.method,
        route: path.length > 200 ? `${path.slice(0, 200)}…` : path,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        address: req.clientAddress,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
      if (inFlight.size === 0) onDrained?.();
    });
    turn.add(admitted);
  }

  async function route(admitted: Admitted): Promise<void> {
    const { req, started } = admitted;
    const { raw, path } = req;
    if (!ctx.config.trustProxy && !warnedForwarded && raw.headers['x-forwarded-for'] !== undefined) {
      warnedForwarded = true;
      ctx.log.warn(
        'requests arrive through a proxy but trustProxy is off: every client has the proxy\'s address, so rate limits are shared. Set "trustProxy": true in the config if only the proxy can reach the listener.',
      );
    }

    const match = matchRoute(routes, req.method, path);
    if (match.kind === 'none') return sendNotFound(req, ctx);
    admitted.routeLabel = path; // metrics: a routes-table path, never the raw one
    if (match.kind === 'method') return sendMethodNotAllowed(req, ctx, match.allow, match.routeKind);
    // A handler past its deadline has been answered 503 by the sweeper; it
    // keeps running (it may be mid-transaction), its late writes are dropped
    // by respond.ts and its late failure only logged.
    const deadline: Deadline = { started, req, kind: match.route.kind, late: false };
    waiting.add(deadline);
    try {
      await match.route.handler(req, ctx);
    } catch (err) {
      if (deadline.late) ctx.log.error('handler failed after its deadline', { route: path, err });
      else handleError(err, req, ctx, match.route.kind);
    } finally {
      waiting.delete(deadline);
    }
  }

  return {
    server,
    async listen(host, port) {
      // A port some socket already holds is refused, as without SO_REUSEPORT:
      // another ma-auth listener's group would otherwise be joined, silently.
      // A plain socket cannot bind beside any listener, so try one first.
      if (port !== 0) {
        const probe = createNetServer();
        await listenOn(probe, { port, host, backlog: 1, reusePort: false });
        await new Promise((resolve) => probe.close(resolve));
      }
      let reusePort = true;
      let address: AddressInfo;
      try {
        address = await listenOn(server, { port, host, backlog: LISTEN_BACKLOG, reusePort });
      } catch (err) {
        // A platform without SO_REUSEPORT (Node reports it as unsupported;
        // not reachable on Linux, where this is tested): one socket.
        if (!['ENOTSUP', 'EOPNOTSUPP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        reusePort = false;
        address = await listenOn(server, { port, host, backlog: LISTEN_BACKLOG, reusePort });
      }
      try {
        while (reusePort && servers.length < ACCEPTING_SOCKETS) {
          const extra = newServer();
          await listenOn(extra, { port: address.port, host, backlog: LISTEN_BACKLOG, reusePort });
          servers.push(extra);
        }
      } catch (err) {
        for (const s of servers) s.close();
        throw err;
      }
      return address;
    },
    close() {
      closing ??= (async () => {
        const stopped = Promise.all(
          servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
        );
        // Responses still being worked on close their connection when done.
        for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
        for (const s of servers) s.closeIdleConnections();
        if (inFlight.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            onDrained = resolve;
            timer = setTimeout(resolve, shutdownTimeoutMs);
          });
          clearTimeout(timer);
          if (inFlight.size > 0)
            ctx.log.warn('shutdown deadline passed; cutting requests', { left: inFlight.size });
        }
        for (const s of servers) s.closeAllConnections();
        clearInterval(sweeper);
        await stopped;
        await ctx.store.close();
      })();
      return closing;
    },
    forceClose: () => {
      for (const s of servers) s.closeAllConnections();
    },
  };
}

interface Admitted {
  readonly req: ServerRequest;
  /** performance.now() when the request was parsed. */
  readonly started: number;
  /** Set once the path matched a route (metrics label). */
  routeLabel: string | null;
}

interface Deadline {
  /** performance.now() when the request arrived. */
  readonly started: number;
  readonly req: ServerRequest;
  readonly kind: RouteKind;
  /** Answered 503 by the sweeper. */
  late: boolean;
}

/**
 * Path and query from the request target. Origin-form (`/a?b`) is the norm;
 * absolute-form (`http://host/a?b`) is accepted from proxies. The public URL's
 * path prefix is removed when present. The path is not decoded: routes are
 * plain ASCII and a `%2F` must not become a `/`.
 */
export function splitTarget(target: string, prefix: string): { path: string; rawQuery: string } {
  let rest = target;
  const absolute = rest.startsWith('/') ? null : /^https?:\/\/[^/?#]*/i.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length) || '/';
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  let path = q >= 0 ? rest.slice(0, q) : rest;
  const rawQuery = q >= 0 ? rest.slice(q + 1) : '';
  if (prefix && (path === prefix || path.startsWith(`${prefix}/`))) path = path.slice(prefix.length) || '/';
  return { path, rawQuery };
}
