/**
 * Writing responses. Every helper sets Content-Type and Content-Length and
 * returns false without writing when a response already went out (the
 * per-request timeout may have answered first; a late handler must not crash
 * the connection with ERR_HTTP_HEADERS_SENT).
 */
import type { ServerResponse } from 'node:http';

export type Headers = Readonly<Record<string, string>>;

/**
 * RFC 6749 §5.1: token responses MUST carry `Cache-Control: no-store` and
 * `Pragma: no-cache` (the latter for HTTP/1.0 caches). Used for every answer
 * that carries or describes a credential.
 */
export const NO_STORE: Headers = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  options: { readonly cache?: 'no-store' | string; readonly headers?: Headers } = {},
): boolean {
  const cache = options.cache ?? 'no-store';
  return send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), {
    ...(cache === 'no-store' ? NO_STORE : { 'Cache-Control': cache }),
    ...options.headers,
  });
}

/** Pages are personal (CSRF token, pairing code): never cached. Security headers come from security-headers.ts. */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Headers = {}): boolean {
  return send(res, status, 'text/html; charset=utf-8', html, { ...NO_STORE, ...headers });
}

/**
 * 303 after a POST (the browser follows with GET, never re-posting the form);
 * 302 from GET, as RFC 6749 §4.1.2 examples do.
 */
export function sendRedirect(
  res: ServerResponse,
  status: 302 | 303,
  location: string,
  headers: Headers = {},
): boolean {
  return send(res, status, null, '', { ...NO_STORE, ...headers, Location: location });
}

/** A body-less success, e.g. RFC 7009 revocation (200, empty). */
export function sendEmpty(res: ServerResponse, status: number, headers: Headers = {}): boolean {
  return send(res, status, null, '', { ...NO_STORE, ...headers });
}

const BASE_HEADERS = Symbol('ma-auth.baseHeaders');

type WithBase = ServerResponse & { [BASE_HEADERS]?: Headers };

/**
 * Headers every response to this request carries (the listener's security
 * headers), under those a handler passes. Kept aside and written in one
 * `writeHead` with the rest: a `setHeader` per header per request was ~2 % of
 * the token endpoint's time.
 */
export function setBaseHeaders(res: ServerResponse, headers: Headers): void {
  (res as WithBase)[BASE_HEADERS] = headers;
}

export function send(
  res: ServerResponse,
  status: number,
  contentType: string | null,
  body: string | Buffer,
  headers: Headers = {},
): boolean {
  if (res.headersSent || res.writableEnded) return false;
  const all: Record<string, string | number> = { ...(res as WithBase)[BASE_HEADERS], ...headers };
  if (contentType) all['Content-Type'] = contentType;
  // 204 and 304 have no body; a Content-Length on a 304 would describe the 200's.
  if (status !== 204 && status !== 304) {
    all['Content-Length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  }
  res.writeHead(status, all);
  res.end(body);
  return true;
}
