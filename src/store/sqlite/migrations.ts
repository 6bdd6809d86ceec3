/**
 * Versioned schema migrations. `PRAGMA user_version` holds the version; each
 * migration runs in its own transaction, so a crash leaves the store at the
 * previous version, never in between. Append only: never edit a shipped step.
 *
 * Times are epoch milliseconds. Secrets appear only as SHA-256 hashes; columns
 * named `*_sealed` hold AES-256-GCM envelopes (src/crypto/aead.ts).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('alexa', 'cli', 'introspection', 'device')),
    type          TEXT NOT NULL CHECK (type IN ('confidential', 'public')),
    secret_hash   TEXT,
    redirect_uris TEXT NOT NULL DEFAULT '[]',
    grant_types   TEXT NOT NULL DEFAULT '[]',
    scopes        TEXT NOT NULL DEFAULT '',
    require_pkce  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  ) STRICT;

  -- A grant is a token family: everything issued from one approval.
  CREATE TABLE grants (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    owner_id       TEXT NOT NULL,
    scope          TEXT NOT NULL,
    origin         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
  ) STRICT;
  CREATE INDEX grants_client ON grants(client_id);

  -- Refresh rotation (DESIGN.md "Refresh"): a refresh token is *confirmed* when
  -- first presented (used_at); confirming retires its parent and siblings
  -- (superseded_at). Access tokens only expire or get revoked.
  CREATE TABLE tokens (
    hash          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    grant_id      TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    scope         TEXT NOT NULL,
    generation    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    last_used_at  INTEGER,
    superseded_at INTEGER,
    revoked_at    INTEGER
  ) STRICT;
  CREATE INDEX tokens_grant ON tokens(grant_id, kind);
  CREATE INDEX tokens_expires ON tokens(expires_at);

  CREATE TABLE authorization_codes (
    hash                  TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    owner_id              TEXT NOT NULL,
    code_challenge        TEXT,
    code_challenge_method TEXT,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    consumed_at           INTEGER,
    grant_id              TEXT
  ) STRICT;
  CREATE INDEX authorization_codes_expires ON authorization_codes(expires_at);

  CREATE TABLE device_authorizations (
    id                  TEXT PRIMARY KEY,
    device_code_hash    TEXT NOT NULL UNIQUE,
    user_code_hash      TEXT NOT NULL UNIQUE,
    client_id           TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scope               TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed', 'cancelled')),
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    interval_s          INTEGER NOT NULL,
    last_polled_at      INTEGER,
    owner_id            TEXT,
    linked_client_id    TEXT,
    linked_scope        TEXT,
    grant_id            TEXT,
    decided_at          INTEGER,
    request_meta_sealed TEXT
  ) STRICT;
  CREATE INDEX device_authorizations_expires ON device_authorizations(expires_at);

  -- An authorization request waiting on the consent page.
  -- Keyed by the SHA-256 of the handle the consent page carries.
  CREATE TABLE pending_requests (
    id_hash               TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    state_sealed          TEXT,
    code_challenge        TEXT,
    code_challenge_method TEXT,
    csrf_hash             TEXT NOT NULL,
    failed_attempts       INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    request_meta_sealed   TEXT
  ) STRICT;
  CREATE INDEX pending_requests_expires ON pending_requests(expires_at);

  CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    client_id     TEXT,
    grant_id      TEXT,
    detail_sealed TEXT
  ) STRICT;
  CREATE INDEX audit_events_at ON audit_events(at);

  -- Failed attempts per opaque key (a keyed hash of a client address, never
  -- the address), in fixed windows: RFC 8628 §5.1 attempt limits.
  CREATE TABLE attempt_counters (
    key             TEXT PRIMARY KEY,
    count           INTEGER NOT NULL,
    window_ends_at  INTEGER NOT NULL
  ) STRICT;
  `,
  // 2: what `ma-auth migrate` imported from the legacy server (store/records/legacy.ts).
  // No foreign keys: the mark outlives a grant that is revoked, swept or removed,
  // so a re-run never brings it back.
  `
  CREATE TABLE legacy_imports (
    kind        TEXT NOT NULL CHECK (kind IN ('client', 'refresh_token')),
    legacy_id   TEXT NOT NULL,
    target      TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (kind, legacy_id)
  ) STRICT, WITHOUT ROWID;
  `,
  // 3: the live refresh tokens of a family, for rotation (rotation.ts). A family
  // keeps its retired tokens (reuse detection), so without this every rotation
  // scanned the whole family through tokens_grant: a cost growing with the
  // grant's age. A family has one or a few live refresh tokens.
  `
  CREATE INDEX tokens_live_refresh ON tokens(grant_id)
    WHERE kind = 'refresh' AND superseded_at IS NULL AND revoked_at IS NULL;
  `,
  // 4: tokens clustered by family. A refresh rotation touches one family's
  // newest rows (presented token, its parent, the two new tokens): keyed by
  // (grant, generation, issue order within the generation) they share a page,
  // where a rowid table plus indexes by hash, grant and live state spread them
  // over five b-trees — each a page written to the WAL per rotation. The hash,
  // 32 bytes instead of 64 hex characters, halves the one index left that
  // every token lands on at random. A stored hash that is not SHA-256 hex
  // could never match a presented token (they are hashed before lookup) and is
  // not carried over.
  `
  CREATE TABLE tokens_by_family (
    grant_id      TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    generation    INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    hash          BLOB NOT NULL CHECK (length(hash) = 32),
    kind          TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    scope         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    last_used_at  INTEGER,
    superseded_at INTEGER,
    revoked_at    INTEGER,
    PRIMARY KEY (grant_id, generation, seq)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO tokens_by_family
    SELECT grant_id, generation,
           row_number() OVER (PARTITION BY grant_id, generation ORDER BY rowid),
           unhex(hash), kind, scope, created_at, expires_at,
           used_at, last_used_at, superseded_at, revoked_at
      FROM tokens
     WHERE length(hash) = 64 AND unhex(hash) IS NOT NULL
     ORDER BY grant_id, generation, rowid;
  DROP TABLE tokens;
  ALTER TABLE tokens_by_family RENAME TO tokens;
  CREATE UNIQUE INDEX tokens_hash ON tokens(hash);
  CREATE INDEX tokens_expires ON tokens(expires_at);
  `,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
