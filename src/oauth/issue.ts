/**
 * Minting tokens: the text goes to the client once, only its SHA-256 to the
 * store. The token response shape is RFC 6749 §5.1; `expires_in` is always
 * present (Alexa's refresh breaks without it).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
import { issuedToken } from '../crypto/random-token.js';
import { tokenHash } from '../crypto/token-hash.js';
import type { NewToken } from '../store/types.js';

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token?: string;
  readonly scope: string;
  /** CLI pairing only (DESIGN.md "Linking Alexa" step 7): the client the code linked. */
  readonly linked_client_id?: string;
  /** CLI pairing only: when the link was approved, epoch seconds. */
  readonly linked_at?: number;
}

export interface MintedPair {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  /** What the store keeps: hashes. */
  readonly records: readonly NewToken[];
  readonly accessTtlS: number;
}

/** An access token and, when `refresh` is given, a refresh token of generation 0. */
export function mintTokens(input: {
  now: number;
  accessTtlS: number;
  accessScope: string;
  refresh: { scope: string; idleTtlS: number } | null;
}): MintedPair {
  const accessToken = issuedToken('accessToken', input.now);
  const refreshToken = input.refresh ? issuedToken('refreshToken', input.now) : null;
  const records: NewToken[] = [
    {
      hash: tokenHash(accessToken),
      kind: 'access',
      scope: input.accessScope,
      generation: 0,
      expiresAt: input.now + input.accessTtlS * 1000,
    },
  ];
  if (refreshToken && input.refresh) {
    records.push({
      hash: tokenHash(refreshToken),
      kind: 'refresh',
      scope: input.refresh.scope,
      generation: 0,
      expiresAt: input.now + input.refresh.idleTtlS * 1000,
    });
  }
  return { accessToken, refreshToken, records, accessTtlS: input.accessTtlS };
}

export function tokenResponse(pair: MintedPair, scope: string): TokenResponse {
  return {
    access_token: pair.accessToken,
    token_type: 'Bearer',
    expires_in: pair.accessTtlS,
    ...(pair.refreshToken ? { refresh_token: pair.refreshToken } : {}),
    scope,
  };
}
