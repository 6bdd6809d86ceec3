/**
 * The config file: non-secret settings, JSON, in the config dir.
 *
 * Every field is validated on load; an error names the file, the field and
 * what is wrong. Defaults are documented where they are defined.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { KeyStoreChoice } from '../keys/source.js';
import { writeFileAtomic } from './fs-private.js';

export const CONFIG_VERSION = 1;

export interface Config {
  readonly version: typeof CONFIG_VERSION;
  /** Public base URL of the listener as the Alexa app and cloud reach it (https, through a tunnel or proxy). */
  readonly publicUrl: string;
  /** Where the listener binds. Default 127.0.0.1:8787 — a tunnel or proxy on the same host forwards to it. */
  readonly listen: { readonly host: string; readonly port: number };
  /** The key source chosen at init. */
  readonly keyStore: KeyStoreChoice;
  /** Client id of the Alexa skill, as typed in the Alexa developer console. */
  readonly alexaClientId: string;
  /**
   * Trust `X-Forwarded-For` / `X-Forwarded-Proto` from the proxy in front.
   * Default false: a listener reachable directly must not believe a client about its own address.
   */
  readonly trustProxy: boolean;
  /** Allow an http public URL (local testing only). Default false. */
  readonly insecureHttp: boolean;
  /** Access token lifetime in seconds. Default 3600; Alexa requires at least 360. */
  readonly accessTokenTtl: number;
  /** Refresh tokens expire after this many seconds without use. Default 180 days. */
  readonly refreshIdleTtl: number;
  /**
   * Prometheus metrics, opt-in. Absent (the default): no metrics endpoint at
   * all. `{}` serves GET /metrics on a second listener at 127.0.0.1:9464. See
   * MetricsSettings and docs/deployment.md "Monitoring".
   */
  readonly metrics?: MetricsSettings;
}

export interface MetricsSettings {
  /** Default 127.0.0.1. Anything but a loopback address requires `tokenFile`: metrics are never public by accident. */
  readonly host: string;
  /** Default 9464 (the usual Prometheus exporter port). Must differ from the listener's. */
  readonly port: number;
  /**
   * Absolute path of a file holding a bearer token; when set, a scrape must
   * send `Authorization: Bearer <token>`. Default: none (loopback only).
   */
  readonly tokenFile?: string;
}

export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8787 } as const;
export const DEFAULT_ACCESS_TOKEN_TTL = 3600;
export const MIN_ACCESS_TOKEN_TTL = 360;
export const DEFAULT_REFRESH_IDLE_TTL = 180 * 24 * 3600;
export const DEFAULT_METRICS_LISTEN = { host: '127.0.0.1', port: 9464 } as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly field: string | null,
    problem: string,
  ) {
    super(field ? `${file}: field "${field}" ${problem}` : `${file}: ${problem}`);
  }
}

export class ConfigMissingError extends Error {
  override readonly name = 'ConfigMissingError';
  constructor(readonly file: string) {
    super(`ma-auth is not set up here (no ${file}). Run: ma-auth init`);
  }
}

export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigMissingError(file);
    throw new ConfigError(file, null, `cannot be read (${code})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, null, `is not valid JSON (${(err as Error).message})`);
  }
  return validateConfig(raw, file);
}

export async function saveConfig(file: string, config: Config): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}

export function validateConfig(raw: unknown, file: string): Config {
  const fail = (field: string | null, problem: string): never => {
    throw new ConfigError(file, field, problem);
  };
  if (!isObject(raw)) return fail(null, 'must contain a JSON object');
  const known = new Set([
    'version',
    'publicUrl',
    'listen',
    'keyStore',
    'alexaClientId',
    'trustProxy',
    'insecureHttp',
    'accessTokenTtl',
    'refreshIdleTtl',
    'metrics',
  ]);
  for (const k of Object.keys(raw)) if (!known.has(k)) fail(k, 'is not a known setting (typo?)');
  if (raw.version !== CONFIG_VERSION) {
    fail(
      'version',
      `must be ${CONFIG_VERSION} (found ${JSON.stringify(raw.version)}; is this a newer ma-auth's config?)`,
    );
  }
  const insecureHttp = optionalBool(raw, 'insecureHttp', false, fail);
  const publicUrlProblem = checkPublicUrl(raw.publicUrl, insecureHttp);
  if (publicUrlProblem) fail('publicUrl', publicUrlProblem);
  const listen = raw.listen ?? DEFAULT_LISTEN;
  if (!isObject(listen)) return fail('listen', 'must be an object {"host": ..., "port": ...}');
  if (typeof listen.host !== 'string' || listen.host === '')
    fail('listen.host', 'must be a host name or address');
  if (!isPort(listen.port)) fail('listen.port', 'must be an integer from 1 to 65535');
  if (raw.keyStore !== 'keychain' && raw.keyStore !== 'file' && raw.keyStore !== 'env') {
    fail('keyStore', 'must be one of "keychain", "file", "env"');
  }
  if (typeof raw.alexaClientId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(raw.alexaClientId)) {
    fail('alexaClientId', 'must be 1-128 printable characters without spaces');
  }
  const accessTokenTtl = optionalInt(raw, 'accessTokenTtl', DEFAULT_ACCESS_TOKEN_TTL, fail);
  if (accessTokenTtl < MIN_ACCESS_TOKEN_TTL) {
    fail('accessTokenTtl', `must be at least ${MIN_ACCESS_TOKEN_TTL} seconds (Alexa requires it)`);
  }
  const refreshIdleTtl = optionalInt(raw, 'refreshIdleTtl', DEFAULT_REFRESH_IDLE_TTL, fail);
  if (refreshIdleTtl < 3600) fail('refreshIdleTtl', 'must be at least 3600 seconds');
  const metrics = raw.metrics === undefined ? undefined : validateMetrics(raw.metrics, listen, fail);
  return {
    version: CONFIG_VERSION,
    publicUrl: stripSlash(raw.publicUrl as string),
    listen: { host: listen.host as string, port: listen.port as number },
    keyStore: raw.keyStore as KeyStoreChoice,
    alexaClientId: raw.alexaClientId as string,
    trustProxy: optionalBool(raw, 'trustProxy', false, fail),
    insecureHttp,
    accessTokenTtl,
    refreshIdleTtl,
    ...(metrics ? { metrics } : {}),
  };
}

function validateMetrics(raw: unknown, listen: Record<string, unknown>, fail: Fail): MetricsSettings {
  if (!isObject(raw))
    return fail('metrics', 'must be an object, e.g. {} or {"host": "127.0.0.1", "port": 9464}');
  for (const k of Object.keys(raw)) {
    if (!['host', 'port', 'tokenFile'].includes(k)) fail(`metrics.${k}`, 'is not a known setting (typo?)');
  }
  const host = raw.host ?? DEFAULT_METRICS_LISTEN.host;
  const port = raw.port ?? DEFAULT_METRICS_LISTEN.port;
  if (typeof host !== 'string' || host === '') return fail('metrics.host', 'must be a host name or address');
  if (!isPort(port)) return fail('metrics.port', 'must be an integer from 1 to 65535');
  if (port === listen.port && (host === listen.host || !isLoopbackHost(host))) {
    fail('metrics.port', `must differ from the listener's port ${port}`);
  }
  const tokenFile = raw.tokenFile;
  if (tokenFile !== undefined && (typeof tokenFile !== 'string' || !isAbsolute(tokenFile))) {
    fail('metrics.tokenFile', 'must be an absolute path to a file holding the bearer token');
  }
  if (tokenFile === undefined && !isLoopbackHost(host)) {
    fail(
      'metrics.host',
      `is ${JSON.stringify(host)}, not a loopback address: set "tokenFile" too, so only scrapers holding the token can read the metrics`,
    );
  }
  return { host, port, ...(tokenFile !== undefined ? { tokenFile: tokenFile as string } : {}) };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The problem with a public URL, or null. Shared by config validation and `init`'s input checks. */
export function checkPublicUrl(value: unknown, allowHttp: boolean): string | null {
  if (typeof value !== 'string') return 'must be a URL such as https://ma.example.com';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a valid URL: ${JSON.stringify(value)}`;
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    return allowHttp
      ? 'must be an http or https URL'
      : 'must use https (Alexa requires it; --insecure-http allows http for local testing)';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.search || url.hash) return 'must not contain a query or fragment';
  return null;
}

export function parseListen(value: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (!isPort(port)) return null;
  return { host: (m[1] ?? m[2]) as string, port };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

type Fail = (field: string | null, problem: string) => never;

function optionalBool(raw: Record<string, unknown>, field: string, dflt: boolean, fail: Fail): boolean {
  const v = raw[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(field, 'must be true or false');
  return v as boolean;
}

function optionalInt(raw: Record<string, unknown>, field: string, dflt: number, fail: Fail): number {
  const v = raw[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(field, 'must be a whole number of seconds');
  return v as number;
}
