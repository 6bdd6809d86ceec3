/**
 * POST /alexa/approve: the consent form. The core checks the pending request,
 * its CSRF token and the pairing code, and counts wrong codes per request and
 * per address in the store (RFC 8628 §5.1: limits that survive a restart).
 * This renders the outcome: a 303 to the client with `code`/`state` (or
 * `error=access_denied`), or the consent page again with the error on it.
 */
import { InvalidRequest } from '../../oauth/errors.js';
import type { Handler } from '../context.js';
import { readForm } from '../http/body.js';
import { requestMeta } from '../http/request-meta.js';
import { sendHtml, sendRedirect } from '../http/respond.js';
import { isHttps } from '../http/security-headers.js';
import { CONSENT_FIELDS, renderConsentPage, retryMessage } from '../pages/consent.js';
import { clearPairingCookie } from '../pages/link.js';
import { basePath } from '../urls.js';

/** Longer than any code anyone types; what is echoed back into the field is bounded. */
const MAX_ECHOED_CODE = 16;

export const approve: Handler = async (req, ctx) => {
  ctx.limiter.take('approve:address', req.clientAddress);
  const form = await readForm(req.raw);
  const requestId = form[CONSENT_FIELDS.requestId];
  const csrfToken = form[CONSENT_FIELDS.csrfToken];
  const action = form[CONSENT_FIELDS.action];
  if (!requestId || !csrfToken) throw new InvalidRequest('the consent form is incomplete; start again');
  if (action !== 'approve' && action !== 'deny') throw new InvalidRequest('choose Approve or Deny');
  const userCode = form[CONSENT_FIELDS.userCode] ?? '';

  // ── protocol core ──────────────────────────────────────────────────────
  const outcome = await ctx.protocol.decideConsent(
    { requestId, csrfToken, action, userCode },
    requestMeta(req),
  );
  // ───────────────────────────────────────────────────────────────────────

  if (outcome.kind === 'redirect') {
    // This browser's pairing is over either way: forget the remembered code.
    const scope = {
      secure: isHttps(ctx.config.publicUrl) || req.protocol === 'https',
      basePath: basePath(ctx.config),
    };
    sendRedirect(req.res, 303, outcome.location, { 'Set-Cookie': clearPairingCookie(scope) });
    return;
  }
  const page = renderConsentPage(ctx.config, {
    view: outcome.view,
    userCode: userCode.slice(0, MAX_ECHOED_CODE),
    error: retryMessage(outcome, userCode),
  });
  // 200, not 4xx: some in-app browsers replace an error status's body with
  // their own screen, and Alexa requires the error to be shown on our page.
  sendHtml(req.res, 200, page.html, page.headers);
};
