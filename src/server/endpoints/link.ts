/**
 * GET /link?code=WDJB-MJHT: the page the QR code opens (the RFC 8628
 * `verification_uri_complete` the core builds; `user_code=` is accepted too).
 * Shows the code and remembers it in a cookie for the consent page. The
 * code's format is checked with the core's user-code rules, never looked up.
 */
import type { Handler } from '../context.js';
import { parseQuery } from '../http/body.js';
import { sendHtml } from '../http/respond.js';
import { isHttps } from '../http/security-headers.js';
import { displayUserCode, pairingCookie, renderLinkPage } from '../pages/link.js';
import { basePath } from '../urls.js';

export const link: Handler = async (req, ctx) => {
  ctx.limiter.take('link:address', req.clientAddress);
  const params = parseQuery(req.rawQuery);
  const raw = params.code ?? params.user_code;
  const userCode = raw ? displayUserCode(raw) : null;
  const page = renderLinkPage(ctx.config, userCode);
  const headers: Record<string, string> = { ...page.headers };
  if (userCode) {
    const secure = isHttps(ctx.config.publicUrl) || req.protocol === 'https';
    headers['Set-Cookie'] = pairingCookie(userCode, { secure, basePath: basePath(ctx.config) });
  }
  // 200 either way: the page itself explains a missing code (see approve.ts on in-app browsers).
  sendHtml(req.res, 200, page.html, headers);
};
