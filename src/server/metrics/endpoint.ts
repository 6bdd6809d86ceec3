/**
 * GET /metrics on a listener of its own (config `metrics`, off by default).
 *
 * A separate socket rather than a route on the main listener: the main
 * listener is what the tunnel or proxy publishes to the internet, and a
 * metrics route there would be public unless every proxy were configured to
 * hide it. This one binds where the config says — loopback unless a bearer
 * token file is set (config.ts refuses anything else) — and answers nothing
 * but /metrics.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSettings } from '../../config/config.js';
import { constantEquals } from '../../crypto/constant-equals.js';
import type { Store } from '../../store/store.js';
import type { Logger } from '../log.js';
import { createMetrics, type Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

export interface RunningMetrics {
  readonly metrics: Metrics;
  readonly address: AddressInfo;
  /** Stops the endpoint and detaches from the store. */
  close(): Promise<void>;
}

/** Builds the metrics, hooks the store's commits, and starts the endpoint. */
export async function startMetrics(options: {
  readonly settings: MetricsSettings;
  readonly store: Store;
  readonly version: string;
  readonly routes: readonly string[];
  readonly log: Logger;
}): Promise<RunningMetrics> {
  const { settings, store, log } = options;
  const token = settings.tokenFile ? await readToken(settings.tokenFile) : null;
  const metrics = createMetrics({ version: options.version, routes: options.routes });
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    answer(req, res, metrics, token).catch((err: unknown) => {
      log.error('metrics: could not render', { err });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`cannot serve metrics on ${settings.host}:${settings.port} (${code})`, { cause: err });
  });
  store.observeCommits?.(metrics.onStoreCommit);
  const address = server.address() as AddressInfo;
  log.info('metrics', { address: address.address, port: address.port, path: METRICS_PATH, bearer: !!token });
  return {
    metrics,
    address,
    close: async () => {
      store.observeCommits?.(null);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, metrics: Metrics, token: string | null) {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  const path = (req.url ?? '').split('?')[0];
  if (path !== METRICS_PATH)
    return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return void res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end();
  }
  if (token !== null && !bearerMatches(req.headers.authorization, token)) {
    return void res
      .writeHead(401, { 'WWW-Authenticate': 'Bearer realm="ma-auth metrics"', 'Content-Type': 'text/plain' })
      .end('a bearer token is required\n');
  }
  const body = await metrics.registry.metrics();
  res.writeHead(200, {
    'Content-Type': metrics.registry.contentType,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match !== null && constantEquals(match[1] as string, token);
}

async function readToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the metrics token file ${file} (${(err as NodeJS.ErrnoException).code}); fix "metrics.tokenFile" in the config`,
      { cause: err },
    );
  }
  const token = text.trim();
  if (token.length < 16) {
    throw new Error(`the metrics token file ${file} holds no token of at least 16 characters`);
  }
  return token;
}
