/**
 * What becomes of each legacy token entry: one grant per entry, owned by the
 * owner, holding the legacy refresh token (by its SHA-256, as every token) and
 * — while it is still valid — the legacy access token.
 *
 * - `test_user` (every legacy approval) and any other legacy user id become the
 *   owner: ma-auth has one owner.
 * - The refresh token gets ma-auth's idle lifetime from now (the legacy server
 *   had none) and rotation generation 0, so the client's next refresh confirms
 *   it and gets a new `maa_rt_` token by the normal rules.
 * - An expired access token is not imported; a live one keeps its expiry, capped
 *   at the configured access-token lifetime.
 * - Scope: the legacy scopes the client may have; when none of them is known
 *   (the legacy server did not enforce scopes), the client's scopes.
 * - A token for a client ma-auth does not have (or did not migrate) is skipped:
 *   imported under another client id it could never be refreshed, because the
 *   client authenticates with its own id.
 */
import { randomBytes } from 'node:crypto';
import { GRANT_TYPES } from '../../oauth/builtin-clients.js';
import { mayUseGrant } from '../../oauth/roles.js';
import type { LegacyGrantWrite, LegacyState } from '../../store/records/legacy.js';
import type { ClientRecord, NewClient, NewToken } from '../../store/types.js';
import { type Issue, type LegacyTokenEntry, tokenKey } from './legacy-format.js';

/** The legacy server's user id for every approval. */
export const LEGACY_TEST_USER = 'test_user';

export interface TokenCounts {
  /** Grants created (or, in a dry run, that would be). */
  imported: number;
  accessTokens: number;
  accessTokensExpired: number;
  /** Live access tokens whose expiry was cut to the configured lifetime. */
  accessTokensCapped: number;
  alreadyImported: number;
  fromTestUser: number;
  /** Entries of users other than `test_user`, given to the owner too. */
  fromOtherUsers: number;
  /** Entries whose legacy scope named nothing the client may have: given the client's scopes. */
  scopeDefaulted: number;
  skipped: number;
}

export interface TokenPlan {
  readonly writes: LegacyGrantWrite[];
  readonly counts: TokenCounts;
  readonly skipped: Issue[];
}

/** A legacy client's fate, as far as its tokens care. */
export type ClientResolution = { readonly client: NewClient } | { readonly skipped: string };

export interface TokenPlanInput {
  readonly entries: readonly LegacyTokenEntry[];
  readonly hashes: readonly { readonly refresh: string; readonly access: string }[];
  /** Clients from the legacy file (migrated now or before, or skipped with a reason). */
  readonly legacyClients: ReadonlyMap<string, ClientResolution>;
  readonly storeClients: ReadonlyMap<string, ClientRecord>;
  readonly state: LegacyState;
  readonly ownerId: string;
  readonly now: number;
  /** Seconds, from the config. */
  readonly accessTokenTtl: number;
  readonly refreshIdleTtl: number;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export function planTokens(input: TokenPlanInput): TokenPlan {
  const counts: TokenCounts = {
    imported: 0,
    accessTokens: 0,
    accessTokensExpired: 0,
    accessTokensCapped: 0,
    alreadyImported: 0,
    fromTestUser: 0,
    fromOtherUsers: 0,
    scopeDefaulted: 0,
    skipped: 0,
  };
  const skipped: Issue[] = [];
  const writes: LegacyGrantWrite[] = [];
  /** Token hash → the user id whose entry claimed it first, so a token appearing twice is imported once. */
  const claimed = new Map<string, string>();
  const skip = (entry: LegacyTokenEntry, reason: string) => {
    counts.skipped++;
    skipped.push({ key: tokenKey(entry.userId), reason });
  };
  const total = input.entries.length;
  const grantId = grantIds();
  for (let i = 0; i < total; i++) {
    input.onProgress?.(i + 1, total);
    const entry = input.entries[i] as LegacyTokenEntry;
    const { refresh, access } = input.hashes[i] as { refresh: string; access: string };
    if (input.state.refreshTokens.has(refresh)) {
      counts.alreadyImported++;
      continue;
    }
    if (refresh === access) {
      skip(entry, 'access_token and refresh_token are the same string');
      continue;
    }
    const twin = claimed.get(refresh);
    if (twin) {
      skip(entry, `its refresh_token is also in ${tokenKey(twin)}, which is imported instead`);
      continue;
    }
    if (input.state.existingTokens.has(refresh)) {
      skip(entry, 'its refresh_token is already a token ma-auth knows (not from a migration)');
      continue;
    }
    const resolved = resolveClient(entry.clientId, input);
    if ('skipped' in resolved) {
      skip(entry, resolved.skipped);
      continue;
    }
    const { client } = resolved;
    const { scope, defaulted } = grantScope(entry.scope, client);
    if (defaulted) counts.scopeDefaulted++;
    claimed.set(refresh, entry.userId);

    const tokens: NewToken[] = [
      {
        hash: refresh,
        kind: 'refresh',
        scope,
        generation: 0,
        expiresAt: input.now + input.refreshIdleTtl * 1000,
      },
    ];
    if (entry.expiresAt <= input.now) {
      counts.accessTokensExpired++;
    } else if (claimed.has(access) || input.state.existingTokens.has(access)) {
      skipped.push({
        key: tokenKey(entry.userId),
        reason: 'access_token seen before: only the refresh token is imported',
      });
    } else {
      const cap = input.now + input.accessTokenTtl * 1000;
      if (entry.expiresAt > cap) counts.accessTokensCapped++;
      tokens.push({
        hash: access,
        kind: 'access',
        scope,
        generation: 0,
        expiresAt: Math.min(entry.expiresAt, cap),
      });
      claimed.set(access, entry.userId);
      counts.accessTokens++;
    }
    if (entry.userId === LEGACY_TEST_USER) counts.fromTestUser++;
    else counts.fromOtherUsers++;
    counts.imported++;
    writes.push({
      refreshHash: refresh,
      grant: { id: grantId(), clientId: client.id, ownerId: input.ownerId, scope, origin: 'migrated' },
      tokens,
    });
  }
  return { writes, counts, skipped };
}

function resolveClient(clientId: string, input: TokenPlanInput): { client: NewClient } | { skipped: string } {
  const legacy = input.legacyClients.get(clientId);
  if (legacy && 'skipped' in legacy)
    return { skipped: `client "${clientId}" is not migrated: ${legacy.skipped}` };
  const client = legacy?.client ?? input.storeClients.get(clientId);
  if (!client) {
    return {
      skipped: `no client "${clientId}" in ma-auth${input.legacyClients.size ? ' or in the legacy clients file' : ' (pass the legacy oauth_clients.json with --clients)'}`,
    };
  }
  if (!mayUseGrant({ ...client, createdAt: 0, updatedAt: 0 }, GRANT_TYPES.refreshToken)) {
    return { skipped: `client "${clientId}" (${client.role}) may not hold refresh tokens` };
  }
  return { client };
}

function grantScope(
  legacy: readonly string[] | null,
  client: NewClient,
): { scope: string; defaulted: boolean } {
  const known = (legacy ?? []).filter((s) => client.scopes.includes(s));
  if (known.length) return { scope: known.join(' '), defaulted: false };
  return { scope: client.scopes.join(' '), defaulted: true };
}

/**
 * Grant ids as randomId() makes them (128 bits, base64url), drawn from one
 * buffer per 256 grants: a call to the CSPRNG per grant is a fifth of the
 * planning time of a 100,000-entry dump.
 */
function grantIds(): () => string {
  const ID_BYTES = 16;
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset >= pool.length) {
      pool = randomBytes(ID_BYTES * 256);
      offset = 0;
    }
    offset += ID_BYTES;
    return pool.subarray(offset - ID_BYTES, offset).toString('base64url');
  };
}
