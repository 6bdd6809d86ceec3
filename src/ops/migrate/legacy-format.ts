/**
 * The legacy server's state as the owner exports it (docs/migration.md):
 *
 * - the dump: `{"tokens": {user_id: {access_token, refresh_token, expires_at,
 *   scope, client_id}}, "auth_codes": {…}, "pending_auth_codes": {…}}`, with
 *   `expires_at` the access token's expiry in epoch seconds (a Python float:
 *   possibly fractional);
 * - `oauth_clients.json`: `{client_id: {client_secret?, client_type?, redirect_uris}}`.
 *
 * Checked entry by entry: a malformed entry is reported with its key and the
 * reason and left out; only a file that is not a JSON object of the expected
 * shape fails as a whole (read-dump.ts reads the dump). Nothing here touches the store.
 */

/** One entry that cannot be used, and why. `key` names it as the owner would find it in the file. */
export interface Issue {
  readonly key: string;
  readonly reason: string;
}

export interface LegacyTokenEntry {
  /** Its key in the tokens map; reports name the entry `tokens["<user id>"]` (tokenKey). */
  readonly userId: string;
  readonly clientId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Access token expiry, epoch milliseconds (from fractional epoch seconds). */
  readonly expiresAt: number;
  /** Scope tokens as the legacy server recorded them; null when it recorded none. */
  readonly scope: readonly string[] | null;
}

export interface LegacyClientEntry {
  readonly key: string;
  readonly id: string;
  /** Absent in the file (the legacy server then fell back to its hard-coded default). */
  readonly secret: string | null;
  /** As given; null when the file does not say. */
  readonly type: 'public' | 'confidential' | null;
  readonly redirectUris: readonly string[];
}

export interface LegacyClients {
  readonly clients: readonly LegacyClientEntry[];
  readonly malformed: readonly Issue[];
  /** Ids of the malformed entries: their tokens are skipped with the reason. */
  readonly malformedIds: ReadonlyMap<string, string>;
}

export class LegacyFormatError extends Error {
  override readonly name = 'LegacyFormatError';
}

/** RFC 6749 Appendix A: tokens are VSCHARs. Shorter than this is too weak to keep as a secret. */
const TOKEN_CHARS = /^[\x20-\x7e]+$/;
export const MIN_LEGACY_TOKEN_LENGTH = 16;
const MAX_LEGACY_TOKEN_LENGTH = 4096;
/** Client ids as config.ts accepts them: 1-128 printable ASCII characters, no spaces. */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/** How an entry of the tokens map is named in reports: `tokens["<user id>"]`. */
export function tokenKey(userId: string): string {
  return `tokens[${JSON.stringify(userId)}]`;
}

/** Parsed scope strings (a dump repeats a few): at most this many kept. */
const SCOPE_CACHE_SIZE = 64;
export type ScopeCache = Map<string, readonly string[] | null | string>;

/**
 * One entry, checked without allocating on the happy path (a dump can hold
 * 100,000): the problems, joined, or the entry. `scopes` caches parsed scope strings.
 */
export function checkTokenEntry(
  userId: string,
  value: unknown,
  scopes: ScopeCache,
): LegacyTokenEntry | string {
  if (!isObject(value)) return `expected an object, got ${typeOf(value)}`;
  const { access_token: access, refresh_token: refresh, client_id: clientId, expires_at: expires } = value;
  const accessProblem = tokenProblem('access_token', access);
  const refreshProblem = tokenProblem('refresh_token', refresh);
  let clientProblem: string | null = null;
  if (clientId === undefined || clientId === null) clientProblem = 'client_id: missing';
  else if (typeof clientId !== 'string')
    clientProblem = `client_id: expected a string, got ${typeOf(clientId)}`;
  else if (!CLIENT_ID.test(clientId))
    clientProblem = 'client_id: not 1-128 printable characters without spaces';
  let expiresProblem: string | null = null;
  if (expires === undefined || expires === null) expiresProblem = 'expires_at: missing';
  else if (typeof expires !== 'number' || !Number.isFinite(expires))
    expiresProblem = `expires_at: expected epoch seconds (a number), got ${typeOf(expires)}`;
  let scope: readonly string[] | null | string;
  if (typeof value.scope === 'string') {
    const cached = scopes.get(value.scope);
    scope = cached === undefined ? checkScope(value.scope) : cached;
    if (cached === undefined && scopes.size < SCOPE_CACHE_SIZE) scopes.set(value.scope, scope);
  } else scope = checkScope(value.scope);
  const scopeProblem = typeof scope === 'string' ? scope : null;
  if (accessProblem || refreshProblem || clientProblem || expiresProblem || scopeProblem) {
    return [accessProblem, refreshProblem, clientProblem, expiresProblem, scopeProblem]
      .filter((p) => p !== null)
      .join('; ');
  }
  return {
    userId,
    clientId: clientId as string,
    accessToken: access as string,
    refreshToken: refresh as string,
    // Fractional seconds (Python's time.time()) → whole milliseconds, never later than recorded.
    expiresAt: Math.floor((expires as number) * 1000),
    scope: scope as readonly string[] | null,
  };
}

function tokenProblem(name: string, v: unknown): string | null {
  if (v === undefined || v === null) return `${name}: missing`;
  if (typeof v !== 'string') return `${name}: expected a string, got ${typeOf(v)}`;
  if (!TOKEN_CHARS.test(v)) return `${name}: contains characters a token cannot have`;
  if (v.length < MIN_LEGACY_TOKEN_LENGTH)
    return `${name}: shorter than ${MIN_LEGACY_TOKEN_LENGTH} characters, too weak to keep`;
  if (v.length > MAX_LEGACY_TOKEN_LENGTH) return `${name}: longer than ${MAX_LEGACY_TOKEN_LENGTH}`;
  return null;
}

/** A space- (or comma-) delimited string or a list of strings; absent, null or empty → null. */
function checkScope(v: unknown): readonly string[] | null | string {
  if (v === undefined || v === null) return null;
  let parts: unknown[];
  if (typeof v === 'string') parts = v.split(/[\s,]+/);
  else if (Array.isArray(v)) parts = v;
  else return `scope: expected a string or a list of strings, got ${typeOf(v)}`;
  if (!parts.every((p) => typeof p === 'string')) return 'scope: the list holds something other than strings';
  const scopes = [...new Set((parts as string[]).map((p) => p.trim()).filter(Boolean))];
  return scopes.length ? scopes : null;
}

export function parseLegacyClients(raw: unknown, file: string): LegacyClients {
  if (!isObject(raw)) {
    throw new LegacyFormatError(
      `${file}: expected a JSON object keyed by client id (oauth_clients.json), got ${typeOf(raw)}`,
    );
  }
  const clients: LegacyClientEntry[] = [];
  const malformed: Issue[] = [];
  const malformedIds = new Map<string, string>();
  for (const [id, value] of Object.entries(raw)) {
    const key = `oauth_clients[${JSON.stringify(id)}]`;
    const problem = checkClientEntry(id, value);
    if (typeof problem === 'string') {
      malformed.push({ key, reason: problem });
      malformedIds.set(id, problem);
    } else clients.push({ key, id, ...problem });
  }
  return { clients, malformed, malformedIds };
}

function checkClientEntry(id: string, value: unknown): Omit<LegacyClientEntry, 'key' | 'id'> | string {
  if (!CLIENT_ID.test(id)) return 'client id: not 1-128 printable characters without spaces';
  if (!isObject(value)) return `expected an object, got ${typeOf(value)}`;
  const problems: string[] = [];
  const secret = value.client_secret;
  if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret === ''))
    problems.push(`client_secret: expected a non-empty string, got ${typeOf(secret)}`);
  const type = value.client_type;
  if (type !== undefined && type !== null && type !== 'public' && type !== 'confidential')
    problems.push(`client_type: expected "public" or "confidential", got ${JSON.stringify(type)}`);
  const uris = value.redirect_uris;
  if (uris === undefined || uris === null) problems.push('redirect_uris: missing');
  else if (!Array.isArray(uris))
    problems.push(`redirect_uris: expected a list of strings, got ${typeOf(uris)}`);
  else if (!uris.every((u) => typeof u === 'string'))
    problems.push('redirect_uris: the list holds something other than strings');
  if (problems.length) return problems.join('; ');
  return {
    secret: typeof secret === 'string' ? secret : null,
    type: (type as LegacyClientEntry['type']) ?? null,
    redirectUris: uris as string[],
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  return `a ${typeof v}`;
}
