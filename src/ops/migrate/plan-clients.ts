/**
 * What becomes of each client in the legacy `oauth_clients.json`.
 *
 * - **The Alexa skill** — a legacy client whose id is an Alexa client ma-auth
 *   already has (from `init`), or whose redirect URIs are all Amazon
 *   account-linking URIs — becomes (or updates) a role `alexa` client with the
 *   same id, because Alexa authenticates with the id in its console. Redirect
 *   URIs are checked as exact-match registrations (https, no fragment, Amazon's
 *   `/api/skill/link/<vendor id>` form) and added; nothing is removed.
 * - **Its secret**: the legacy secret is adopted (only its hash is stored), so
 *   the console keeps working — unless it is the legacy server's hard-coded
 *   default or missing (the legacy server then used that default): it is
 *   public, so a new secret is generated and shown once.
 * - **Any other client** is not migrated: ma-auth registers only the Alexa
 *   skill for the authorization-code grant, and a client the owner does not
 *   recognise should not quietly gain a redirect target. Reported with why.
 * - A client migrated before is left as it is now (the owner may have changed it since).
 */
import { sha256Hex } from '../../crypto/hash.js';
import { alexaClient } from '../../oauth/builtin-clients.js';
import { checkRedirectUri, isAmazonRedirectUri } from '../../oauth/redirect-uri.js';
import type { LegacyClientWrite, LegacyImportMark } from '../../store/records/legacy.js';
import type { ClientPatch } from '../../store/records/maintenance.js';
import type { ClientRecord, ClientType, NewClient } from '../../store/types.js';
import type { Issue, LegacyClientEntry } from './legacy-format.js';

/**
 * The client secret hard-coded in the legacy server's source, used when
 * `oauth_clients.json` gave none. Published with the source: treated as compromised.
 */
export const LEGACY_DEFAULT_CLIENT_SECRET = 'Nv8Xh-zG_wR3mK2pL4jF9qY6bT5vC1xD0sW7aM';

export type ClientAction = 'create' | 'update' | 'unchanged' | 'skip';
/**
 * - `legacy`: the legacy secret is kept (stored as its hash); the Alexa console needs no change.
 * - `replaced`: the legacy secret was the published default (or missing); a new one is shown once.
 * - `none`: a public client has no secret.
 */
export type SecretOutcome = 'legacy' | 'replaced' | 'none';

export interface ClientPlan {
  readonly id: string;
  readonly action: ClientAction;
  /** Why a client is skipped or unchanged. */
  readonly reason: string | null;
  readonly type: ClientType | null;
  readonly secret: SecretOutcome | null;
  readonly redirectUrisAdded: readonly string[];
  readonly redirectUrisRejected: readonly Issue[];
  readonly notes: readonly string[];
  /** Shown once; null in a dry run (nothing is generated) and when no new secret is needed. */
  readonly newSecret: string | null;
  readonly write: LegacyClientWrite | null;
  /** The client as it will be after the import, for the tokens that name it; null when skipped. */
  readonly result: NewClient | null;
}

export interface ClientPlanInput {
  readonly entries: readonly LegacyClientEntry[];
  readonly existing: readonly ClientRecord[];
  readonly marks: ReadonlyMap<string, LegacyImportMark>;
  readonly dryRun: boolean;
  readonly newSecret: () => string;
}

export function planClients(input: ClientPlanInput): ClientPlan[] {
  const existing = new Map(input.existing.map((c) => [c.id, c]));
  return input.entries.map((entry) => planClient(entry, existing.get(entry.id) ?? null, input));
}

function planClient(
  entry: LegacyClientEntry,
  current: ClientRecord | null,
  input: ClientPlanInput,
): ClientPlan {
  const base = {
    id: entry.id,
    type: null,
    secret: null,
    redirectUrisAdded: [],
    redirectUrisRejected: [],
    notes: [],
    newSecret: null,
    write: null,
    result: null,
  };
  const mark = input.marks.get(entry.id);
  if (mark) {
    return {
      ...base,
      action: 'unchanged',
      reason: `migrated on ${new Date(mark.importedAt).toISOString()}; ${current ? 'left as it is now' : 'removed since, and left removed'}`,
      result: current,
    };
  }
  if (current && current.role !== 'alexa') {
    return { ...base, action: 'skip', reason: `the id belongs to ma-auth's own ${current.role} client` };
  }
  const isAlexa =
    current !== null || (entry.redirectUris.length > 0 && entry.redirectUris.every(isAmazonRedirectUri));
  if (!isAlexa) {
    return {
      ...base,
      action: 'skip',
      reason:
        entry.redirectUris.length === 0
          ? 'no redirect URIs: not the Alexa skill, and ma-auth migrates only the Alexa skill'
          : 'not the Alexa skill (its redirect URIs are not Amazon account-linking URIs); ma-auth migrates only the Alexa skill',
    };
  }

  const { valid, rejected } = checkUris(entry.redirectUris);
  const notes: string[] = [];
  const type: ClientType = current?.type ?? entry.type ?? 'confidential';
  if (current && entry.type && entry.type !== current.type) {
    notes.push(`the legacy file says ${entry.type}; kept ${current.type}, as ma-auth registered it`);
  }
  let secret: SecretOutcome = 'none';
  let secretHash: string | null = null;
  let newSecret: string | null = null;
  if (type === 'confidential') {
    if (entry.secret === null || entry.secret === LEGACY_DEFAULT_CLIENT_SECRET) {
      secret = 'replaced';
      newSecret = input.dryRun ? null : input.newSecret();
      secretHash = newSecret === null ? null : sha256Hex(newSecret);
      notes.push(
        entry.secret === null
          ? 'no client_secret in the legacy file: the legacy server used its published default, so a new secret replaces it'
          : "the legacy secret is the legacy server's published default: a new secret replaces it",
      );
    } else {
      secret = 'legacy';
      secretHash = sha256Hex(entry.secret);
      if (current?.secretHash && current.secretHash !== secretHash) {
        notes.push(
          'the secret ma-auth init printed is replaced by the legacy one, which the Alexa console holds',
        );
      }
    }
  } else if (entry.secret !== null) {
    notes.push('a public client has no secret: the legacy client_secret is ignored');
  }

  if (current) {
    const added = valid.filter((u) => !current.redirectUris.includes(u));
    const patch: ClientPatch = {
      ...(added.length ? { redirectUris: [...current.redirectUris, ...added] } : {}),
      ...(type === 'confidential' ? { secretHash } : {}),
    };
    return {
      ...base,
      action: 'update',
      reason: null,
      type,
      secret,
      redirectUrisAdded: added,
      redirectUrisRejected: rejected,
      notes,
      newSecret,
      write: { legacyId: entry.id, update: { id: entry.id, patch } },
      result: { ...current, redirectUris: patch.redirectUris ?? current.redirectUris },
    };
  }
  if (valid.length === 0) {
    return {
      ...base,
      action: 'skip',
      reason: 'none of its redirect URIs can be registered',
      redirectUrisRejected: rejected,
    };
  }
  const client: NewClient = {
    ...alexaClient(entry.id, valid, secretHash ?? ''),
    name: 'Alexa skill (migrated)',
    type,
    secretHash: type === 'confidential' ? secretHash : null,
    // RFC 9700 §2.1.1: a public client must use PKCE.
    requirePkce: type === 'public',
  };
  if (type === 'public') notes.push('public client: PKCE required, refresh tokens rotate strictly');
  return {
    ...base,
    action: 'create',
    reason: null,
    type,
    secret,
    redirectUrisAdded: valid,
    redirectUrisRejected: rejected,
    notes,
    newSecret,
    write: { legacyId: entry.id, create: client },
    result: client,
  };
}

/** Exact-match registrations: https, no fragment or credentials, and Amazon's account-linking form. */
function checkUris(uris: readonly string[]): { valid: string[]; rejected: Issue[] } {
  const valid: string[] = [];
  const rejected: Issue[] = [];
  for (const uri of uris) {
    const problem =
      checkRedirectUri(uri) ??
      (isAmazonRedirectUri(uri)
        ? null
        : 'is not an Amazon account-linking URI (https://pitangui.amazon.com/api/skill/link/<vendor id>, layla.amazon.com, alexa.amazon.co.jp)');
    if (problem) rejected.push({ key: uri, reason: problem });
    else if (!valid.includes(uri)) valid.push(uri);
  }
  return { valid, rejected };
}
