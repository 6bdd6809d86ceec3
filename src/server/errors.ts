/**
 * The one error handler. Endpoints throw; this renders:
 *
 * - `OAuthError` on a JSON route → RFC 6749 §5.2 body with the error's status
 *   and headers (WWW-Authenticate, Retry-After), never cached;
 * - `OAuthError` on a page route → the error page, same status and headers;
 * - the core's `AuthorizationPageError` → the error page (never a redirect:
 *   the redirect URI may be unverified); `AuthorizationRedirectError` → a
 *   redirect to the verified redirect URI with `error` and `state`;
 * - anything else → 500 `server_error` with no details: the details (redacted)
 *   go to the log only.
 *
 * Also 404 and 405 (with Allow) for paths and methods the routes table lacks.
 */
import { AuthorizationPageError, AuthorizationRedirectError } from '../oauth/authorize-errors.js';
import { OAuthError, ServerError } from '../oauth/errors.js';
import type { ServerContext, ServerRequest } from './context.js';
import { ClientGone } from './http/body.js';
import { sendHtml, sendJson, sendRedirect } from './http/respond.js';
import { type PageErrorCode, renderErrorPage } from './pages/error.js';

export type RouteKind = 'json' | 'page';

export function handleError(err: unknown, req: ServerRequest, ctx: ServerContext, kind: RouteKind): void {
  const { res } = req;
  if (err instanceof ClientGone) {
    ctx.log.debug('client went away', { route: req.path });
    return;
  }
  if (res.headersSent) {
    // Half a response is out: the only honest thing left is to cut the connection.
    ctx.log.error('error after response started', { route: req.path, err });
    res.destroy();
    return;
  }
  if (err instanceof AuthorizationRedirectError) {
    ctx.log.info('request refused, redirected to client', { route: req.path, error: err.error.code });
    sendRedirect(res, req.method === 'POST' ? 303 : 302, err.location);
    return;
  }
  if (err instanceof AuthorizationPageError) {
    ctx.log.info('request refused', { route: req.path, reason: err.reason, status: err.status });
    if (kind === 'page') {
      sendErrorPage(req, ctx, err.status, err.reason, err.description, {});
    } else {
      const status = err.status >= 500 ? 500 : 400;
      const code = status === 500 ? 'server_error' : 'invalid_request';
      sendJson(res, status, { error: code, error_description: err.description });
    }
    return;
  }
  const oauth = toOAuthError(err, req, ctx);
  if (kind === 'page') {
    sendErrorPage(req, ctx, oauth.status, oauth.code, oauth.expose ? oauth.description : null, oauth.headers);
    return;
  }
  sendJson(
    res,
    oauth.status,
    { error: oauth.code, error_description: oauth.expose ? oauth.description : 'internal server error' },
    { headers: oauth.headers },
  );
}

function toOAuthError(err: unknown, req: ServerRequest, ctx: ServerContext): OAuthError {
  if (err instanceof OAuthError) {
    if (err.expose) ctx.log.info('request refused', { route: req.path, error: err.code, status: err.status });
    else ctx.log.error('server error', { route: req.path, err });
    return err;
  }
  ctx.log.error('unhandled error', { route: req.path, err });
  return new ServerError('internal server error');
}

/** 404. Browsers (Accept: text/html) get a page, programs get JSON. */
export function sendNotFound(req: ServerRequest, ctx: ServerContext): void {
  if (wantsHtml(req)) {
    sendErrorPage(req, ctx, 404, 'not_found', null, {});
    return;
  }
  sendJson(req.res, 404, { error: 'not_found', error_description: 'no such endpoint' });
}

/** 405 with the methods the path does accept (RFC 9110 §15.5.6). */
export function sendMethodNotAllowed(
  req: ServerRequest,
  ctx: ServerContext,
  allow: readonly string[],
  kind: RouteKind,
): void {
  const headers = { Allow: allow.join(', ') };
  if (kind === 'page') {
    sendErrorPage(req, ctx, 405, 'method_not_allowed', null, headers);
    return;
  }
  sendJson(
    req.res,
    405,
    { error: 'invalid_request', error_description: `method not allowed; use ${allow.join(' or ')}` },
    { headers },
  );
}

function sendErrorPage(
  req: ServerRequest,
  ctx: ServerContext,
  status: number,
  code: PageErrorCode,
  detail: string | null,
  headers: Readonly<Record<string, string>>,
): void {
  const retryAfter = headers['Retry-After'];
  const page = renderErrorPage(ctx.config, {
    code,
    detail,
    retryAfterSeconds: retryAfter ? Number(retryAfter) : null,
  });
  sendHtml(req.res, status, page.html, { ...headers, ...page.headers });
}

function wantsHtml(req: ServerRequest): boolean {
  return (req.raw.headers.accept ?? '').includes('text/html');
}
