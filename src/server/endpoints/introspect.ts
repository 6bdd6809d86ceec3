/**
 * POST /oauth/introspect: Music Assistant asks whether an access token is
 * valid (RFC 7662), authenticating as its own client. Not cached: the answer
 * changes the moment a token is revoked.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
import type { Handler } from '../context.js';
import { sendJson } from '../http/respond.js';
import { readClientRequest } from './client-request.js';

export const introspect: Handler = async (req, ctx) => {
  const call = await readClientRequest(req, ctx, {
    address: 'introspect:address',
    client: 'introspect:client',
  });

  // ── protocol core ──────────────────────────────────────────────────────
  const body = await ctx.protocol.introspect(call.request, call.meta);
  // ───────────────────────────────────────────────────────────────────────

  call.chargeClient();
  sendJson(req.res, 200, body);
};
