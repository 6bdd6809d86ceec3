/**
 * POST /oauth/revoke (RFC 7009): 200 with an empty body whether or not the
 * token was known — the answer must not reveal which tokens exist.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 */
import type { Handler } from '../context.js';
import { sendEmpty } from '../http/respond.js';
import { readClientRequest } from './client-request.js';

export const revoke: Handler = async (req, ctx) => {
  const call = await readClientRequest(req, ctx, { address: 'revoke:address' });

  // ── protocol core ──────────────────────────────────────────────────────
  await ctx.protocol.revoke(call.request, call.meta);
  // ───────────────────────────────────────────────────────────────────────

  sendEmpty(req.res, 200);
};
