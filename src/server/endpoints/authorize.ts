/**
 * GET /alexa/authorize (alias /oauth/authorize): the core validates the
 * request and stores it as pending; this shows the consent page. A bad client
 * or redirect URI comes back as an AuthorizationPageError (an error page,
 * never a redirect); other problems as an AuthorizationRedirectError, which
 * the error handler turns into a redirect to the verified URI with `state`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
import type { Handler } from '../context.js';
import { parseQuery } from '../http/body.js';
import { requestMeta } from '../http/request-meta.js';
import { sendHtml } from '../http/respond.js';
import { renderConsentPage } from '../pages/consent.js';
import { readPairingCookie } from '../pages/link.js';

export const authorize: Handler = async (req, ctx) => {
  ctx.limiter.take('authorize:address', req.clientAddress);
  const params = parseQuery(req.rawQuery);

  // ── protocol core ──────────────────────────────────────────────────────
  // HEAD: the same answer without its page, and nothing stored (AuthorizeOptions).
  const view = await ctx.protocol.authorize(params, requestMeta(req), { preview: req.method === 'HEAD' });
  // ───────────────────────────────────────────────────────────────────────

  const remembered = readPairingCookie(req.raw.headers.cookie);
  const page = renderConsentPage(ctx.config, { view, userCode: remembered, error: null });
  sendHtml(req.res, 200, page.html, page.headers);
};
