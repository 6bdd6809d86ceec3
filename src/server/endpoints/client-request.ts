/**
 * The shared front half of the client-authenticated endpoints (token, device
 * authorization, introspection, revocation): address limit, form body, and
 * the per-client limit.
 *
 * The per-client limit is *checked* on the id the request claims, but only
 * *charged* (`chargeClient`) once the core has authenticated the request —
 * at which point the claimed id is the authenticated one. So nobody can use
 * up Alexa's budget by sending Alexa's client id without its secret.
 */
import type { ServerContext, ServerRequest } from '../context.js';
import { readForm } from '../http/body.js';
import { claimedClientId } from '../http/client-id.js';
import type { RateRuleName } from '../http/rate-limit.js';
import { requestMeta } from '../http/request-meta.js';
import type { ClientRequest, RequestMeta } from '../protocol.js';

export interface ClientCall {
  readonly request: ClientRequest;
  readonly meta: RequestMeta;
  /** Call after the core succeeded. */
  chargeClient(): void;
}

export async function readClientRequest(
  req: ServerRequest,
  ctx: ServerContext,
  limits: { readonly address: RateRuleName; readonly client?: RateRuleName },
): Promise<ClientCall> {
  ctx.limiter.take(limits.address, req.clientAddress);
  const body = await readForm(req.raw);
  const authorization = req.raw.headers.authorization;
  const claimed = claimedClientId(authorization, body);
  const { client } = limits;
  if (client && claimed) ctx.limiter.check(client, claimed);
  return {
    request: { authorization, body },
    meta: requestMeta(req),
    chargeClient: () => {
      // Never throws: the answer (tokens already issued) must still go out.
      if (client && claimed) ctx.limiter.charge(client, claimed);
    },
  };
}
