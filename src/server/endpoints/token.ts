/**
 * POST /alexa/token (alias /oauth/token): authorization_code, refresh_token
 * and device_code grants, all in the core. The response is never cached
 * (RFC 6749 §5.1). Alexa gives up after 4.5 s; the listener's handler
 * deadline (listener.ts) is shorter.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5
 */
import type { Handler } from '../context.js';
import { sendJson } from '../http/respond.js';
import { readClientRequest } from './client-request.js';

export const token: Handler = async (req, ctx) => {
  const call = await readClientRequest(req, ctx, { address: 'token:address', client: 'token:client' });

  // ── protocol core ──────────────────────────────────────────────────────
  const body = await ctx.protocol.token(call.request, call.meta);
  // ───────────────────────────────────────────────────────────────────────

  call.chargeClient();
  sendJson(req.res, 200, body);
};
