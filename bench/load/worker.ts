/**
 * The load generator, in its own process (so its CPU is not the server's):
 * autocannon 9, one request in flight per connection (pipelining 1).
 *
 * Per-connection state: autocannon clears a connection's `context` each time
 * it cycles through its `requests`, which with a single request is after
 * every response. A rotation chain must outlive that, so `setupClient` gives
 * each connection its own state object and pins the iterator's context to it
 * (autocannon 9 internals: RequestIterator.context / resetContext), then
 * rebuilds the first request, which was built before setupClient ran.
 *
 * Every request is timed from its connection's attempt at the earliest, not
 * from autocannon queueing it while it still creates the other connections
 * (connect-clock.ts: why).
 *
 * Besides autocannon's own histogram (the whole run), the latencies of the
 * responses received after the run's start (spec.ts afterStartMs), from the
 * same per-response times autocannon records: the report prints both.
 *
 * Protocol: sends `{type:'ready'}`, receives `{type:'run', spec}`, answers
 * `{type:'result', result}` or `{type:'result', error}`.
 */
import { readFileSync } from 'node:fs';
import autocannon, { type Client, type RequestSpec } from 'autocannon';
import { percentile } from '../lib/stats.js';
import { clockFromConnectionAttempt } from './connect-clock.js';
import { afterStartMs, type LoadResult, type LoadSpec } from './spec.js';

interface ChainState extends Record<string, unknown> {
  token: string;
  /** Introspection: where this connection is in the pool. */
  cursor: number;
  /** Responses this connection got: how fairly the server shared itself. */
  responses: number;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const { body } = spec;
  let states: ChainState[] | null = null;
  let sampleError: string | null = null;
  const request: RequestSpec = { method: 'POST', path: spec.path, headers: { ...spec.headers } };
  let setupClient: ((client: Client) => void) | undefined;

  if (body.kind === 'static') {
    request.body = body.text;
    request.onResponse = (status, text) => {
      if ((status < 200 || status > 299) && sampleError === null)
        sampleError = `${status} ${text.slice(0, 300)}`;
    };
  } else {
    const file = JSON.parse(readFileSync(body.poolFile, 'utf8')) as
      | { refresh?: string[]; access?: string[] }
      | string[];
    const pool = Array.isArray(file)
      ? file
      : body.kind === 'introspect'
        ? (file.access ?? [])
        : (file.refresh ?? []);
    const offset = body.kind === 'refresh-chain' ? body.offset : 0;
    if (body.kind === 'refresh-chain' && pool.length < offset + spec.connections) {
      throw new Error(`the pool has ${pool.length} tokens; this run needs ${offset + spec.connections}`);
    }
    let next = 0;
    const connectionStates: ChainState[] = [];
    states = connectionStates;
    setupClient = (client) => {
      const i = next++;
      const state: ChainState =
        body.kind === 'refresh-chain'
          ? { token: pool[offset + i] as string, cursor: 0, responses: 0 }
          : { token: '', cursor: i % pool.length, responses: 0 };
      connectionStates.push(state);
      const iterator = client.requestIterator;
      iterator.context = state;
      iterator.resetContext = () => {
        iterator.context = state;
      };
      iterator.rebuildRequest();
    };
    request.setupRequest = (req, context) => {
      const state = context as ChainState;
      if (body.kind === 'refresh-chain') {
        req.body = `grant_type=refresh_token&refresh_token=${encodeURIComponent(state.token)}`;
      } else {
        const token = pool[state.cursor % pool.length] as string;
        state.cursor += spec.connections;
        req.body = `token=${encodeURIComponent(token)}&token_type_hint=access_token`;
      }
      return req;
    };
    request.onResponse = (status, text, context) => {
      (context as ChainState).responses++;
      if (status >= 200 && status <= 299) {
        if (body.kind === 'refresh-chain') {
          const rotated = (JSON.parse(text) as { refresh_token?: string }).refresh_token;
          if (rotated) (context as ChainState).token = rotated;
        }
      } else if (sampleError === null) {
        sampleError = `${status} ${text.slice(0, 300)}`;
      }
    };
  }

  const waits: number[] = [];
  const setup = (client: Client) => {
    clockFromConnectionAttempt(client, (ms) => waits.push(ms));
    setupClient?.(client);
  };
  const cpuBefore = process.cpuUsage();
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    pipelining: 1,
    timeout: 10,
    requests: [request],
    setupClient: setup,
  });
  const started = performance.now();
  const skipMs = afterStartMs(spec.durationS);
  const later: number[] = [];
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    if (performance.now() - started >= skipMs) later.push(responseTime);
  });
  const result = await instance;
  const cpu = process.cpuUsage(cpuBefore);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  const ok = result['2xx'];
  return {
    durationS: result.duration,
    responses: ok + result.non2xx,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    rps: ok / result.duration,
    latency: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    afterStart: {
      skippedMs: skipMs,
      count: later.length,
      p50: percentile(later, 50),
      p99: percentile(later, 99),
      max: percentile(later, 100),
    },
    beforeConnecting: {
      count: waits.length,
      p50: percentile(waits, 50),
      max: percentile(waits, 100),
    },
    sampleError,
    loadCpuMs: (cpu.user + cpu.system) / 1000,
    perConnection: states === null ? null : spread(states.map((s) => s.responses)),
  };
}

function spread(counts: number[]): { min: number; median: number; max: number } | null {
  if (counts.length === 0) return null;
  const sorted = [...counts].sort((a, b) => a - b);
  return {
    min: sorted[0] as number,
    median: sorted[sorted.length >> 1] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

process.on('message', (msg: { type?: string; spec?: LoadSpec }) => {
  if (msg?.type !== 'run' || !msg.spec) return;
  run(msg.spec).then(
    (result) => process.send?.({ type: 'result', result }, () => process.disconnect()),
    (err: unknown) => process.send?.({ type: 'result', error: String(err) }, () => process.disconnect()),
  );
});
process.send?.({ type: 'ready' });
