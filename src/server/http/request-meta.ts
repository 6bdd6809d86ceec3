/** The core's view of who is asking (audit trail, per-address pairing limits). */
import type { ServerRequest } from '../context.js';
import type { RequestMeta } from '../protocol.js';

/** User agents are free text from the client: bounded before they reach the store. */
const MAX_USER_AGENT = 200;

export function requestMeta(req: ServerRequest): RequestMeta {
  const ua = req.raw.headers['user-agent'];
  return {
    address: req.clientAddress === 'unknown' ? null : req.clientAddress,
    userAgent: ua ? ua.slice(0, MAX_USER_AGENT) : null,
  };
}
