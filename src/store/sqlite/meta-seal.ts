/** Request metadata (client address, user agent) sealed as one JSON value. */
import { openText, seal } from '../../crypto/aead.js';
import type { DataKey } from '../../keys/data-key.js';
import type { RequestMeta } from '../records/pairing.js';

export function sealMeta(key: DataKey, meta: RequestMeta, context: string): string {
  return seal(key, JSON.stringify({ address: meta.address, userAgent: meta.userAgent }), context);
}

export function openMeta(key: DataKey, sealed: unknown, context: string): RequestMeta {
  if (typeof sealed !== 'string') return { address: null, userAgent: null };
  const value = JSON.parse(openText(key, sealed, context)) as Partial<RequestMeta>;
  return { address: value.address ?? null, userAgent: value.userAgent ?? null };
}
