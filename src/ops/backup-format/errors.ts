/** Backup file failures with stable codes; the CLI maps them to messages and exit codes. */
export type BackupErrorCode =
  /** Not an ma-auth backup at all (wrong magic, or too short to hold a header). */
  | 'not_a_backup'
  /** A format version, cipher or KDF this ma-auth does not know. */
  | 'unsupported'
  /** The header is not valid JSON or lacks a field. */
  | 'malformed'
  /** The snapshot's schema is newer than this ma-auth knows. */
  | 'newer_schema'
  /** The passphrase does not open the file. */
  | 'wrong_passphrase'
  /** The data key here is not the one that sealed the file. */
  | 'wrong_key'
  /** Authentication failed: modified, truncated or extended. */
  | 'tampered'
  /** Decrypts, but what is inside is not a usable store. */
  | 'bad_snapshot'
  /** The target file exists already. */
  | 'exists'
  /** Input a non-interactive run needed (a passphrase). */
  | 'needs_passphrase';

export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
