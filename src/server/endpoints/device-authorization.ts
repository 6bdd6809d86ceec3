/**
 * POST /oauth/device_authorization: start a pairing (RFC 8628 §3.1). The core
 * issues the device and user codes; its `verification_uri` is this listener's
 * /link page (PATHS.link), which the CLI turns into a QR code.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
import type { Handler } from '../context.js';
import { sendJson } from '../http/respond.js';
import { readClientRequest } from './client-request.js';

export const deviceAuthorization: Handler = async (req, ctx) => {
  const call = await readClientRequest(req, ctx, {
    address: 'device-authorization:address',
    client: 'device-authorization:client',
  });

  // ── protocol core ──────────────────────────────────────────────────────
  const body = await ctx.protocol.deviceAuthorization(call.request, call.meta);
  // ───────────────────────────────────────────────────────────────────────

  call.chargeClient();
  sendJson(req.res, 200, body);
};
