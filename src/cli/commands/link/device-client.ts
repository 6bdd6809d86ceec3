/**
 * `ma-auth link`'s side of RFC 8628, over HTTP (undici) to the listener, as
 * the confidential client `ma-auth-cli` (HTTP Basic, RFC 6749 §2.3.1).
 *
 * Everything the listener answers is checked for shape and sanitised here, at
 * the edge: the rest of the command only sees typed, printable values.
 * The device code is kept for polling and cancelling, and never printed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
import { Agent, request } from 'undici';
import { CliError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { sanitize } from '../../sanitize.js';

export interface Pairing {
  /** Secret: used to poll and cancel, never printed. */
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string | null;
  /** Seconds. */
  readonly expiresIn: number;
  /** Seconds between polls. */
  readonly interval: number;
}

export type PollAnswer =
  | {
      readonly kind: 'linked';
      readonly linkedClientId: string | null;
      readonly scope: string | null;
      /** Epoch seconds, as the listener sends it. */
      readonly linkedAt: number | null;
    }
  | { readonly kind: 'pending' }
  /** `interval`: a new interval, when the listener sent one with `slow_down`. */
  | { readonly kind: 'slow_down'; readonly interval: number | null }
  | { readonly kind: 'denied' }
  | { readonly kind: 'expired' }
  /** Not an answer (network error, 502-504, 429): try again later. */
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterS: number | null };

/** RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default." */
const DEFAULT_INTERVAL_S = 5;
const REQUEST_TIMEOUT_MS = 10_000;

export class DeviceClient {
  private readonly agent = new Agent({ connections: 2 });
  private readonly authorization: string;

  constructor(
    private readonly baseUrl: string,
    clientId: string,
    clientSecret: string,
  ) {
    // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
    this.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  /** POST /oauth/device_authorization. Fails with a CliError (the command cannot go on without it). */
  async requestPairing(scope: string): Promise<Pairing> {
    const answer = await this.post('/oauth/device_authorization', { scope }).catch((err: unknown) => {
      throw new CliError(EXIT.error, `cannot reach the listener at ${this.baseUrl}: ${describe(err)}`);
    });
    if (answer.status !== 200) throw refused('the request for a pairing code', answer);
    const b = answer.body;
    if (
      !isRecord(b) ||
      typeof b.device_code !== 'string' ||
      b.device_code === '' ||
      typeof b.user_code !== 'string' ||
      typeof b.verification_uri !== 'string' ||
      !isPositive(b.expires_in)
    ) {
      throw new CliError(
        EXIT.error,
        `the listener at ${this.baseUrl} did not answer with a pairing (RFC 8628 §3.2 response)`,
      );
    }
    const userCode = sanitize(b.user_code, 64);
    if (!userCode) throw new CliError(EXIT.error, 'the listener sent an empty pairing code');
    return {
      deviceCode: b.device_code,
      userCode,
      verificationUri: sanitize(b.verification_uri, 1000),
      verificationUriComplete:
        typeof b.verification_uri_complete === 'string'
          ? sanitize(b.verification_uri_complete, 1000) || null
          : null,
      expiresIn: b.expires_in as number,
      interval: isPositive(b.interval) ? b.interval : DEFAULT_INTERVAL_S,
    };
  }

  /** One poll of the token endpoint. Fatal answers throw a CliError; transient ones are `retry`. */
  async poll(deviceCode: string, signal: AbortSignal): Promise<PollAnswer> {
    let answer: Answer;
    try {
      answer = await this.post(
        '/alexa/token',
        { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode },
        signal,
      );
    } catch (err) {
      if (signal.aborted) throw err;
      return { kind: 'retry', reason: describe(err), retryAfterS: null };
    }
    const b = isRecord(answer.body) ? answer.body : {};
    if (answer.status === 200) {
      return {
        kind: 'linked',
        linkedClientId: typeof b.linked_client_id === 'string' ? sanitize(b.linked_client_id, 200) : null,
        scope: typeof b.scope === 'string' ? sanitize(b.scope, 500) : null,
        linkedAt: isPositive(b.linked_at) ? b.linked_at : null,
      };
    }
    switch (b.error) {
      case 'authorization_pending':
        return { kind: 'pending' };
      case 'slow_down':
        return { kind: 'slow_down', interval: isPositive(b.interval) ? b.interval : null };
      case 'access_denied':
        return { kind: 'denied' };
      case 'expired_token':
        return { kind: 'expired' };
    }
    if (answer.status === 429 || answer.status === 502 || answer.status === 503 || answer.status === 504) {
      const reason =
        answer.status === 429 ? 'the listener is rate limiting' : `the listener answered ${answer.status}`;
      return { kind: 'retry', reason, retryAfterS: answer.retryAfterS };
    }
    throw refused('a poll for the pairing', answer);
  }

  /**
   * Cancels the pairing on the listener (RFC 7009 revocation of the device
   * code): the code stops working at once instead of at expiry. False when the
   * listener could not be told.
   */
  async cancel(deviceCode: string): Promise<boolean> {
    try {
      const answer = await this.post(
        '/oauth/revoke',
        { token: deviceCode, token_type_hint: 'device_code' },
        AbortSignal.timeout(3_000),
      );
      return answer.status === 200;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }

  private async post(path: string, form: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
    const res = await request(`${this.baseUrl}${path}`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: {
        authorization: this.authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(form).toString(),
      signal: signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    const text = await res.body.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const retryAfter = Number(res.headers['retry-after']);
    return {
      status: res.statusCode,
      body,
      retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    };
  }
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfterS: number | null;
}

/** An RFC 6749 §5.2 error answer as a CliError, with a hint for the ones an owner can fix. */
function refused(what: string, answer: Answer): CliError {
  const b = isRecord(answer.body) ? answer.body : {};
  const error = typeof b.error === 'string' ? sanitize(b.error, 64) : `HTTP ${answer.status}`;
  const description = typeof b.error_description === 'string' ? sanitize(b.error_description, 300) : '';
  const detail = description ? `${error}: ${description}` : error;
  const hint =
    error === 'invalid_client'
      ? " The listener does not accept this install's credentials: is it running with this data key (ma-auth status)?"
      : '';
  return new CliError(EXIT.error, `the listener refused ${what} (${detail}).${hint}`);
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return sanitize(e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err), 200);
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPositive(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}
