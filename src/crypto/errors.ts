/** Stable codes so callers narrow on `err.code`, never on message text. */
export type CryptoErrorCode = 'malformed' | 'tampered' | 'wrong_key' | 'bad_key';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
