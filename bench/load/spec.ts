/** What the orchestrator asks the load process to do, and what it gets back. */

export type LoadBody =
  /** The same body on every request. */
  | { readonly kind: 'static'; readonly text: string }
  /**
   * One rotation chain per connection: connection i starts with pool[offset + i]
   * and presents whatever `refresh_token` the last 200 answered (a non-rotating
   * server answers none: the connection keeps its token).
   */
  | { readonly kind: 'refresh-chain'; readonly poolFile: string; readonly offset: number }
  /** Introspection: each connection walks the pool of access tokens, read-only. */
  | { readonly kind: 'introspect'; readonly poolFile: string };

export interface LoadSpec {
  readonly url: string;
  readonly path: string;
  readonly connections: number;
  readonly durationS: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: LoadBody;
}

export interface LoadResult {
  readonly durationS: number;
  /** Responses of any status. */
  readonly responses: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors and timeouts (autocannon counts timeouts among errors too). */
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** 2xx responses per second. */
  readonly rps: number;
  /** Milliseconds (autocannon's histogram has 1 ms resolution). */
  readonly latency: {
    readonly p50: number;
    readonly p97_5: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  /**
   * The same latencies without the run's start (afterStartMs below): the
   * responses received once `skippedMs` had passed. Null fields: none came.
   */
  readonly afterStart: {
    readonly skippedMs: number;
    readonly count: number;
    readonly p50: number | null;
    readonly p99: number | null;
    readonly max: number | null;
  };
  /**
   * Requests queued before their connection was attempted (each
   * connection's first, and any after a reconnect): how long they waited in
   * the load process for it, in ms. Not counted in the latencies
   * (connect-clock.ts).
   */
  readonly beforeConnecting: {
    readonly count: number;
    readonly p50: number | null;
    readonly max: number | null;
  };
  /** First non-2xx body seen, to say why. */
  readonly sampleError: string | null;
  /** CPU the load generator itself used during the run (user + system), ms. */
  readonly loadCpuMs: number;
  /** Responses per connection (pool scenarios): a starved connection shows as a low min. */
  readonly perConnection: { readonly min: number; readonly median: number; readonly max: number } | null;
}

/**
 * How much of a run's start `afterStart` leaves out: its first second (a
 * quarter of a shorter run). Every connection opens and sends its first
 * request at the same instant, and at 1000 connections that first wave —
 * about 1 % of a 10 s run's responses — answered last is the run's p99.
 */
export function afterStartMs(durationS: number): number {
  return Math.min(1000, (durationS * 1000) / 4);
}
