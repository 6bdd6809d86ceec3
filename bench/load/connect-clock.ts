/**
 * A connection's first request timed from the moment its connection is
 * attempted, not from the moment autocannon queued it.
 *
 * autocannon 9 creates all its connections in one synchronous loop, and each
 * one queues its first request — starting that request's clock
 * (PipelinedRequestsQueue.insertRequest) — right after `net.connect`, which
 * only attempts the connection once the loop has returned. At 1000
 * connections the loop took up to 206 ms on this machine (dev trace: the first
 * accepted connection came 0.8 ms after it ended, the first request's clock
 * had started 206 ms before it), so every first request carried up to that
 * much of the load generator's own start-up: time no server can affect,
 * before a single packet was sent. That was most of the simultaneous first
 * wave that set the whole run's p99 at 1000 connections.
 *
 * So each connection's clocks are restarted when the socket reports
 * 'connectionAttempt' (the connect system call): the TCP handshake, the
 * server's accept queue and everything after stay in. A reconnect (after a
 * timeout or a closed connection) is timed the same way. How long the
 * requests had waited is reported (`onWait`), so nothing is hidden.
 */
import type { Client } from 'autocannon';

/** The autocannon 9 internals this relies on (lib/httpClient.js, lib/pipelinedRequestsQueue.js). */
interface ClientInternals {
  _connect(): void;
  conn: { once(event: 'connectionAttempt', listener: () => void): unknown };
  pipelinedRequests: { size(): number; toArray(): { startTime: [number, number] }[] };
}

export function clockFromConnectionAttempt(client: Client, onWait: (waitedMs: number) => void): void {
  const internals = client as unknown as ClientInternals;
  if (
    typeof internals._connect !== 'function' ||
    typeof internals.pipelinedRequests?.toArray !== 'function'
  ) {
    throw new Error(
      'autocannon internals changed (Client._connect / pipelinedRequests): update bench/load/connect-clock.ts',
    );
  }
  const connect = internals._connect;
  internals._connect = function (this: ClientInternals) {
    const before = this.pipelinedRequests.size();
    connect.call(this);
    const queued = this.pipelinedRequests.toArray().slice(before);
    this.conn.once('connectionAttempt', () => {
      const now = process.hrtime();
      for (const request of queued) {
        onWait((now[0] - request.startTime[0]) * 1e3 + (now[1] - request.startTime[1]) / 1e6);
        request.startTime = now;
      }
    });
  };
}
