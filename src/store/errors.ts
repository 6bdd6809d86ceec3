/** Store failures with stable codes; the CLI maps them to messages and exit codes. */
export type StoreErrorCode =
  | 'key_mismatch'
  /** The store was re-sealed with another key (rotate-key) since it was opened; nothing was written. */
  | 'key_changed'
  | 'key_required'
  | 'newer_schema'
  | 'not_initialised'
  | 'already_initialised'
  | 'conflict'
  | 'corrupt'
  | 'unavailable';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
