/**
 * Complete Alexa account-linking flows against a running listener, all at
 * once, from their own process:
 *
 *   (setup, untimed per flow) `ma-auth link`'s pairing: POST /oauth/device_authorization
 *   as ma-auth-cli (its secret derived from the install's data key), one per flow;
 *   1. GET  /alexa/authorize (the Alexa app opens the consent page; PKCE S256)
 *   2. POST /alexa/approve with the pairing code → 303 to Alexa with code + state
 *   3. POST /alexa/token authorization_code (the Alexa cloud; HTTP Basic)
 *   4. POST /alexa/token refresh_token with the refresh token it got
 *
 * A flow's latency runs from its connection's attempt (the connect system
 * call, before step 1's first byte) to the end of step 4. Each flow has its
 * own connection (a browser and the Alexa cloud would): an undici Client of
 * its own, whose connector notes when the connection is attempted. Starting
 * 1000 flows is one synchronous loop here (105–115 ms in dev runs), and no
 * connection is attempted before it ends: a clock started when a flow was
 * set up would count that loop — the load process's time, not the
 * listener's — into the flows set up first (connect-clock.ts does the same
 * for autocannon).
 *
 * Protocol: `{type:'run', dist, home, baseUrl, flows}` → `{type:'result', result}`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Agent, buildConnector, Client, request } from 'undici';
import { basicAuth } from '../lib/install.js';
import { cpuTimeMs } from '../lib/proc.js';
import { loadProduct, openInstall } from '../lib/product.js';
import { percentile } from '../lib/stats.js';

export interface FlowsRequest {
  readonly dist: string;
  readonly home: string;
  readonly baseUrl: string;
  readonly flows: number;
  readonly alexa: { readonly clientId: string; readonly clientSecret: string; readonly redirectUri: string };
  /** The listener's process, to read its CPU time over the flows (/proc). */
  readonly listenerPid?: number;
}

export interface FlowsResult {
  readonly flows: number;
  readonly completed: number;
  readonly errors: number;
  /** `step status: detail` → count. */
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p97_5: number | null;
    readonly p99: number | null;
    readonly max: number | null;
  };
  /**
   * From a flow's set-up in this process to its connection's attempt: the
   * loop starting the other flows, left out of its latency (see above).
   */
  readonly beforeConnectingMs: {
    /** Completed flows whose connection's attempt was seen (all, unless undici changed). */
    readonly count: number;
    readonly p50: number | null;
    readonly max: number | null;
  };
  readonly stepP99Ms: Readonly<Record<string, number | null>>;
  /** From the first flow's start to the last flow's end. */
  readonly wallS: number;
  /**
   * CPU time (user + system) over that wall time: the listener's (all its
   * threads; null without its pid) and this process's. A listener CPU time
   * close to the wall time means its one event-loop thread bounded the burst.
   */
  readonly listenerCpuS: number | null;
  readonly clientCpuS: number;
  /** Creating the pairings beforehand (not part of the flows). */
  readonly pairingSetupS: number;
  readonly pairingErrors: number;
}

const STEPS = ['authorize', 'approve', 'code_exchange', 'refresh'] as const;
type Step = (typeof STEPS)[number];

class FlowError extends Error {
  readonly step: Step | 'pairing';
  readonly kind: string;
  constructor(step: Step | 'pairing', kind: string) {
    super(`${step}: ${kind}`);
    this.step = step;
    this.kind = kind;
  }
}

async function run(req: FlowsRequest): Promise<FlowsResult> {
  const product = await loadProduct(req.dist);
  const { key } = await openInstall(product, { ...process.env, MA_AUTH_HOME: req.home } as Record<
    string,
    string
  >);
  const cliAuth = basicAuth(product.clients.CLI_CLIENT_ID, product.clients.cliClientSecret(key));
  const alexaAuth = basicAuth(req.alexa.clientId, req.alexa.clientSecret);
  const scope = product.scopes.ALEXA_SCOPES.join(' ');
  // The pairings' connections; each flow has its own (ownConnection).
  const dispatcher = new Agent({ connections: 32, pipelining: 1 });
  const form = 'application/x-www-form-urlencoded';

  // ── pairings, as `ma-auth link` makes them ──
  const pairingStarted = performance.now();
  const userCodes: string[] = [];
  let pairingErrors = 0;
  const pairOne = async () => {
    const res = await request(`${req.baseUrl}/oauth/device_authorization`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: cliAuth, 'content-type': form },
      body: new URLSearchParams({ scope }).toString(),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      pairingErrors++;
      return;
    }
    userCodes.push((JSON.parse(text) as { user_code: string }).user_code);
  };
  for (let done = 0; done < req.flows; done += 32) {
    await Promise.all(Array.from({ length: Math.min(32, req.flows - done) }, pairOne));
  }
  const pairingSetupS = (performance.now() - pairingStarted) / 1000;

  // ── the flows ──
  const stepTimes: Record<Step, number[]> = { authorize: [], approve: [], code_exchange: [], refresh: [] };
  const latencies: number[] = [];
  /** Per completed flow: from its set-up to its connection's attempt (not in its latency). */
  const beforeConnecting: number[] = [];
  const errorKinds: Record<string, number> = {};
  /** A step's time: from the call, or from its connection's attempt (`attempted`) when that came later. */
  const timed = async <T>(
    step: Step,
    work: () => Promise<T>,
    attempted?: () => number | null,
  ): Promise<T> => {
    const t = performance.now();
    const value = await work();
    stepTimes[step].push(performance.now() - Math.max(t, attempted?.() ?? t));
    return value;
  };
  const expect = async (step: Step, res: Awaited<ReturnType<typeof request>>, status: number) => {
    const text = await res.body.text();
    if (res.statusCode !== status) throw new FlowError(step, `${res.statusCode} ${errorHint(text)}`);
    return text;
  };

  const connections: Client[] = [];
  const oneFlow = async (i: number, userCode: string | undefined): Promise<void> => {
    if (!userCode) throw new FlowError('pairing', 'no pairing code (its creation failed)');
    const state = `state-${i}-${randomBytes(6).toString('hex')}`;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    let attemptedAt: number | null = null;
    // This flow's own connection, in place of the pairings' Agent above.
    const dispatcher = ownConnection(req.baseUrl, () => {
      attemptedAt ??= performance.now();
    });
    connections.push(dispatcher);
    const setUp = performance.now();

    const page = await timed(
      'authorize',
      async () => {
        const query = new URLSearchParams({
          response_type: 'code',
          client_id: req.alexa.clientId,
          redirect_uri: req.alexa.redirectUri,
          state,
          scope,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        });
        const res = await request(`${req.baseUrl}/alexa/authorize?${query}`, { dispatcher });
        return expect('authorize', res, 200);
      },
      () => attemptedAt,
    );
    const requestId = /name="request_id" value="([^"]+)"/.exec(page)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!requestId || !csrf) throw new FlowError('authorize', 'consent page without request_id/csrf');

    const code = await timed('approve', async () => {
      const res = await request(`${req.baseUrl}/alexa/approve`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': form },
        body: new URLSearchParams({
          request_id: requestId,
          csrf,
          user_code: userCode,
          action: 'approve',
        }).toString(),
      });
      const location = res.headers.location;
      await expect('approve', res, 303);
      const back = new URL(String(location));
      if (back.searchParams.get('state') !== state) throw new FlowError('approve', 'state not echoed');
      const value = back.searchParams.get('code');
      if (!value) throw new FlowError('approve', `redirect without code (${back.searchParams.get('error')})`);
      return value;
    });

    const tokens = await timed('code_exchange', async () => {
      const res = await request(`${req.baseUrl}/alexa/token`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: alexaAuth, 'content-type': form },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: req.alexa.redirectUri,
          code_verifier: verifier,
        }).toString(),
      });
      return JSON.parse(await expect('code_exchange', res, 200)) as { refresh_token?: string };
    });
    if (!tokens.refresh_token) throw new FlowError('code_exchange', 'no refresh_token');

    await timed('refresh', async () => {
      const res = await request(`${req.baseUrl}/alexa/token`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: alexaAuth, 'content-type': form },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token as string,
        }).toString(),
      });
      await expect('refresh', res, 200);
    });
    latencies.push(performance.now() - (attemptedAt ?? setUp));
    if (attemptedAt !== null) beforeConnecting.push(attemptedAt - setUp);
  };

  const listenerCpu = () => {
    const t = req.listenerPid === undefined ? null : cpuTimeMs(req.listenerPid);
    return t ? (t.user + t.system) / 1000 : null;
  };
  const listenerCpuBefore = listenerCpu();
  const clientCpuBefore = process.cpuUsage();
  const wallStarted = performance.now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: req.flows }, (_, i) => oneFlow(i, userCodes[i])),
  );
  const wallS = (performance.now() - wallStarted) / 1000;
  const listenerCpuAfter = listenerCpu();
  const clientCpu = process.cpuUsage(clientCpuBefore);
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') continue;
    const err = outcome.reason;
    const kind =
      err instanceof FlowError
        ? `${err.step} ${err.kind}`
        : `network ${(err as { code?: string })?.code ?? String(err)}`;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  }
  await Promise.all([dispatcher.close(), ...connections.map((c) => c.close())]);
  const errors = outcomes.filter((o) => o.status === 'rejected').length;
  return {
    flows: req.flows,
    completed: latencies.length,
    errors,
    errorKinds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p97_5: percentile(latencies, 97.5),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
    },
    beforeConnectingMs: {
      count: beforeConnecting.length,
      p50: percentile(beforeConnecting, 50),
      max: percentile(beforeConnecting, 100),
    },
    stepP99Ms: Object.fromEntries(STEPS.map((s) => [s, percentile(stepTimes[s], 99)])),
    wallS,
    listenerCpuS:
      listenerCpuBefore !== null && listenerCpuAfter !== null ? listenerCpuAfter - listenerCpuBefore : null,
    clientCpuS: (clientCpu.user + clientCpu.system) / 1e6,
    pairingSetupS,
    pairingErrors,
  };
}

/** undici's connector returns the socket it created (lib/core/connect.js); its typings say void. */
type TcpConnector = (...args: Parameters<buildConnector.connector>) => Socket;
let tcp: TcpConnector | undefined;

/**
 * One connection to `origin` (a Client of its own), undici's connector
 * underneath, telling `onAttempt` when the connection is attempted
 * ('connectionAttempt': the connect system call, which Node makes on a later
 * tick than the call).
 */
function ownConnection(origin: string, onAttempt: () => void): Client {
  tcp ??= buildConnector({}) as unknown as TcpConnector;
  const connect = tcp;
  return new Client(origin, {
    pipelining: 1,
    connect: (options, callback) => {
      const socket = connect(options, callback);
      if (typeof socket?.once !== 'function') throw new Error('undici connector returned no socket');
      socket.once('connectionAttempt', onAttempt);
    },
  });
}

/** The OAuth error code, or the page's error paragraph, in a few words. */
function errorHint(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string };
    if (body.error) return body.error;
  } catch {
    // a page
  }
  const para = /<p class="error"[^>]*>([^<]{0,120})/.exec(text)?.[1] ?? /<h1>([^<]{0,120})/.exec(text)?.[1];
  return para ?? text.slice(0, 80);
}

process.on('message', (msg: { type?: string } & Partial<FlowsRequest>) => {
  if (msg?.type !== 'run') return;
  run(msg as FlowsRequest).then(
    (result) => process.send?.({ type: 'result', result }, () => process.disconnect()),
    (err: unknown) =>
      process.send?.({ type: 'result', error: String((err as Error)?.stack ?? err) }, () =>
        process.disconnect(),
      ),
  );
});
process.send?.({ type: 'ready' });
