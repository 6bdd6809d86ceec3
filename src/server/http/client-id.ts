/**
 * The client id a request *claims*, before the protocol core authenticates it.
 * Used only to check the per-client rate limit up front; the limit is charged
 * after authentication succeeds (endpoints), so nobody can use up a client's
 * budget — Alexa's, say — by merely sending its id.
 */
import type { Params } from '../protocol.js';

export function claimedClientId(authorization: string | undefined, params: Params): string | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        // RFC 6749 §2.3.1: the id is form-urlencoded before Basic encoding.
        return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      } catch {
        return null;
      }
    }
  }
  return params.client_id ?? null;
}
