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
import { GRANT_TYPES } from '../../oauth/builtin-clients.js';
import { mayUseGrant } from '../../oauth/roles.js';
import type { LegacyGrantBatch, LegacyGrantWrite, LegacyImportView } from '../../store/records/legacy.js';
import type { ClientRecord, NewClient, NewToken } from '../../store/types.js';
import { type Issue, type LegacyTokenEntry, tokenKey } from './legacy-format.js';
import { EntryBatch } from './token-batch.js';

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

/** A legacy client's fate, as far as its tokens care. */
export type ClientResolution = { readonly client: NewClient } | { readonly skipped: string };

export interface TokenPlanInput {
  /** Clients from the legacy file (migrated now or before, or skipped with a reason). */
  readonly legacyClients: ReadonlyMap<string, ClientResolution>;
  readonly storeClients: ReadonlyMap<string, ClientRecord>;
  readonly ownerId: string;
  readonly now: number;
  /** Seconds, from the config. */
  readonly accessTokenTtl: number;
  readonly refreshIdleTtl: number;
}

/** What the store knows of a token slot's digest. */
const UNKNOWN = 0;
const IMPORTED_BEFORE = 1;
const HELD_BEFORE = 2;
const WRITTEN_NOW = 3;
/** Distinct client ids and granted scopes remembered; more (a hostile file) are worked out per entry. */
const TABLE_LIMIT = 1024;

/**
 * Decides the entries a batch at a time, in file order, against the store as
 * the import has left it so far (LegacyImportView) and the batch's own earlier
 * entries: a token an earlier entry brought is in one or the other, so nothing
 * is kept across batches but counts and the skipped entries.
 */
export class TokenPlanner {
  readonly counts: TokenCounts = {
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
  readonly skipped: Issue[] = [];
  private readonly batch: EntryBatch;
  /** Per token slot of the batch: UNKNOWN … WRITTEN_NOW. */
  private readonly known: Uint8Array;
  /** Per entry of the batch: 0 not imported, 1 its refresh token, 2 both tokens. */
  private readonly outcome: Uint8Array;
  private decided = false;
  /** The clients entries name, each resolved once (EntryBatch.client indexes this). */
  private readonly clients: ClientResolution[] = [];
  private readonly clientIndex = new Map<string, number>();
  /** Resolutions past TABLE_LIMIT, per entry of the batch (EntryBatch.client is -1). */
  private readonly clientOverflow = new Map<number, ClientResolution>();
  private readonly scopes = new Map<string, string>();

  constructor(
    private readonly input: TokenPlanInput,
    batchSize: number,
  ) {
    this.batch = new EntryBatch(batchSize);
    this.known = new Uint8Array(2 * batchSize);
    this.outcome = new Uint8Array(batchSize);
  }

  /** A batch is waiting to be decided, and has no room for another entry. */
  get full(): boolean {
    return !this.decided && this.batch.full;
  }

  get waiting(): number {
    return this.decided ? 0 : this.batch.size;
  }

  add(entry: LegacyTokenEntry): void {
    if (this.decided) this.clearBatch();
    const b = this.batch;
    const i = b.add(
      entry.userId,
      entry.refreshToken,
      entry.accessToken,
      entry.expiresAt,
      entry.expiresAt > this.input.now,
    );
    const resolved = this.resolve(entry.clientId, i);
    if ('client' in resolved) {
      const { scope, defaulted } = grantScope(entry.scope, resolved.client);
      b.scope[i] = this.intern(scope);
      b.scopeDefaulted[i] = defaulted ? 1 : 0;
    }
  }

  /** The batch's grants, in refresh-hash order; the other entries are counted, and reported when skipped. */
  decide(view: LegacyImportView): LegacyGrantBatch {
    const b = this.batch;
    const { counts, known } = this;
    this.decided = true;
    b.sort();
    // What the store knows, looked up in its index order.
    const writtenBy = new Map<number, string>();
    for (const slot of b.sorted()) {
      const hash = b.hex(slot);
      if (slot % 2 === 0 && view.importedBefore(hash)) {
        known[slot] = IMPORTED_BEFORE;
        continue;
      }
      const seen = view.token(hash);
      known[slot] = seen === null ? UNKNOWN : seen.before ? HELD_BEFORE : WRITTEN_NOW;
      if (seen && !seen.before) writtenBy.set(slot, seen.legacyKey);
    }
    // Decided in file order: the first entry to bring a token keeps it.
    /** Run of equal digests in the batch → the entry that claimed it. */
    const claims = new Map<number, number>();
    const claimant = (slot: number): string | undefined => {
      const group = b.groupOf(slot);
      const entry = group === -1 ? undefined : claims.get(group);
      return entry === undefined ? undefined : b.userId(entry);
    };
    const claim = (slot: number, entry: number) => {
      const group = b.groupOf(slot);
      if (group !== -1) claims.set(group, entry);
    };
    let grants = 0;
    for (let i = 0; i < b.size; i++) {
      this.outcome[i] = 0;
      const refresh = 2 * i;
      const access = refresh + 1;
      if (known[refresh] === IMPORTED_BEFORE) {
        counts.alreadyImported++;
        continue;
      }
      if (b.sameDigest(refresh, access)) {
        this.skip(i, 'access_token and refresh_token are the same string');
        continue;
      }
      const twin = claimant(refresh) ?? writtenBy.get(refresh);
      if (twin !== undefined) {
        this.skip(i, `its refresh_token is also in ${tokenKey(twin)}, which is imported instead`);
        continue;
      }
      if (known[refresh] === HELD_BEFORE) {
        this.skip(i, 'its refresh_token is already a token ma-auth knows (not from a migration)');
        continue;
      }
      const resolved = this.resolution(i);
      if ('skipped' in resolved) {
        this.skip(i, resolved.skipped);
        continue;
      }
      if (b.scopeDefaulted[i]) counts.scopeDefaulted++;
      claim(refresh, i);
      this.outcome[i] = 1;
      if (!b.live[i]) {
        counts.accessTokensExpired++;
      } else if (claimant(access) !== undefined || known[access] !== UNKNOWN) {
        this.skipped.push({
          key: tokenKey(b.userId(i)),
          reason: 'access_token seen before: only the refresh token is imported',
        });
      } else {
        if ((b.expiresAt[i] as number) > this.accessCap) counts.accessTokensCapped++;
        claim(access, i);
        counts.accessTokens++;
        this.outcome[i] = 2;
      }
      if (b.testUser[i]) counts.fromTestUser++;
      else counts.fromOtherUsers++;
      counts.imported++;
      grants++;
    }
    return { size: grants, writes: this.writes() };
  }

  private get accessCap(): number {
    return this.input.now + this.input.accessTokenTtl * 1000;
  }

  /** The batch's grants in refresh-hash order, each built as the store asks for it. */
  private *writes(): Generator<LegacyGrantWrite> {
    const b = this.batch;
    const { input } = this;
    for (const slot of b.sorted()) {
      if (slot % 2 === 1) continue;
      const i = slot / 2;
      const outcome = this.outcome[i];
      if (!outcome) continue;
      const resolved = this.resolution(i) as { client: NewClient };
      const scope = b.scope[i] as string;
      const tokens: NewToken[] = [
        {
          hash: b.hex(slot),
          kind: 'refresh',
          scope,
          generation: 0,
          expiresAt: input.now + input.refreshIdleTtl * 1000,
        },
      ];
      if (outcome === 2) {
        const expiresAt = Math.min(b.expiresAt[i] as number, this.accessCap);
        tokens.push({ hash: b.hex(slot + 1), kind: 'access', scope, generation: 0, expiresAt });
      }
      yield {
        refreshHash: tokens[0]!.hash,
        legacyKey: b.userId(i),
        grant: { clientId: resolved.client.id, ownerId: input.ownerId, scope, origin: 'migrated' },
        tokens,
      };
    }
  }

  private resolve(clientId: string, entry: number): ClientResolution {
    let index = this.clientIndex.get(clientId);
    if (index === undefined) {
      const resolved = resolveClient(clientId, this.input);
      if (this.clients.length >= TABLE_LIMIT) {
        this.batch.client[entry] = -1;
        this.clientOverflow.set(entry, resolved);
        return resolved;
      }
      index = this.clients.push(resolved) - 1;
      this.clientIndex.set(clientId, index);
    }
    this.batch.client[entry] = index;
    return this.clients[index] as ClientResolution;
  }

  private resolution(entry: number): ClientResolution {
    const index = this.batch.client[entry] as number;
    return (index === -1 ? this.clientOverflow.get(entry) : this.clients[index]) as ClientResolution;
  }

  private intern(scope: string): string {
    const interned = this.scopes.get(scope);
    if (interned !== undefined) return interned;
    if (this.scopes.size < TABLE_LIMIT) this.scopes.set(scope, scope);
    return scope;
  }

  private clearBatch(): void {
    this.batch.clear();
    this.clientOverflow.clear();
    this.decided = false;
  }

  private skip(entry: number, reason: string): void {
    this.counts.skipped++;
    this.skipped.push({ key: tokenKey(this.batch.userId(entry)), reason });
  }
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
