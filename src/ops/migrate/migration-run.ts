/**
 * One `ma-auth migrate` run's decisions, made inside the store's transaction
 * (store/records/legacy.ts): the clients first, then the dump's token entries
 * read a second time and decided a batch at a time.
 */
import { randomToken } from '../../crypto/random-token.js';
import type { LegacyImportMark, LegacyImportView } from '../../store/records/legacy.js';
import type { ClientRecord } from '../../store/types.js';
import { asInputErrors } from './inputs.js';
import {
  checkTokenEntry,
  type Issue,
  type LegacyClients,
  type ScopeCache,
  tokenKey,
} from './legacy-format.js';
import type { MigrateInput } from './migrate.js';
import { type ClientPlan, planClients } from './plan-clients.js';
import { type ClientResolution, TokenPlanner } from './plan-tokens.js';
import { type DumpFile, type DumpOutline, dumpEntries, MAX_ENTRY_BYTES, TOO_LARGE } from './read-dump.js';

/**
 * Entries per batch: enough that a batch written in index order touches most
 * index pages once (store/sqlite/legacy.ts), few enough that its columns
 * (token-batch.ts) stay about 2 MiB. 100,000 entries here: 8,192 took 3.0 s,
 * 16,384 2.75 s, 32,768 2.6 s with 6 MiB more peak RSS.
 */
export const BATCH_SIZE = 16_384;

export class MigrationRun {
  clientPlans: ClientPlan[] = [];
  /** Made once the clients are decided (planClients), which the store asks for first. */
  private planner: TokenPlanner | null = null;
  readonly malformedTokens: Issue[] = [];
  private readonly legacyClients: LegacyClients;

  constructor(
    private readonly input: MigrateInput,
    private readonly dump: DumpFile,
    private readonly outline: DumpOutline,
    legacyClients: LegacyClients | null,
    private readonly ownerId: string,
  ) {
    this.legacyClients = legacyClients ?? { clients: [], malformed: [], malformedIds: new Map() };
  }

  get tokens(): TokenPlanner {
    if (!this.planner) throw new Error('migrate: tokens planned before clients');
    return this.planner;
  }

  get malformedCount(): number {
    return this.malformedTokens.length + this.outline.malformed.length + this.legacyClients.malformed.length;
  }

  planClients(view: LegacyImportView) {
    const existing = view.clients();
    const marks = new Map<string, LegacyImportMark>();
    for (const { id } of this.legacyClients.clients) {
      const mark = view.clientMark(id);
      if (mark) marks.set(id, mark);
    }
    this.clientPlans = planClients({
      entries: this.legacyClients.clients,
      existing,
      marks,
      dryRun: this.input.dryRun,
      newSecret: () => randomToken('clientSecret'),
    });
    const resolutions = new Map<string, ClientResolution>();
    for (const plan of this.clientPlans) {
      resolutions.set(plan.id, plan.result ? { client: plan.result } : { skipped: plan.reason ?? 'skipped' });
    }
    for (const [id, reason] of this.legacyClients.malformedIds) {
      resolutions.set(id, { skipped: `its entry in the clients file is malformed (${reason})` });
    }
    this.planner = this.newPlanner(resolutions, existing);
    return this.clientPlans.flatMap((p) => (p.write ? [p.write] : []));
  }

  /**
   * The second pass over the dump: entries checked and decided a batch at a
   * time, each batch handed to the store to write before the next is read.
   */
  *grants(view: LegacyImportView) {
    const total = this.outline.tokenEntries;
    const scopes: ScopeCache = new Map();
    let read = 0;
    const entries = asInputErrors('the legacy dump', this.dump.file, dumpEntries(this.dump, this.outline));
    for (const { userId, value } of entries) {
      read++;
      const entry =
        value === TOO_LARGE
          ? `larger than ${MAX_ENTRY_BYTES / 1024} KiB: not a token entry`
          : checkTokenEntry(userId, value, scopes);
      if (typeof entry === 'string') this.malformedTokens.push({ key: tokenKey(userId), reason: entry });
      else this.tokens.add(entry);
      if (this.tokens.full) {
        yield this.tokens.decide(view);
        // The batch is written by now (not committed): run.ts's test seam fails here.
        this.input.onProgress?.('writing', read, total);
      }
    }
    if (this.tokens.waiting > 0) yield this.tokens.decide(view);
    this.input.onProgress?.('writing', total, total);
  }

  private newPlanner(
    legacyClients: ReadonlyMap<string, ClientResolution>,
    existing: readonly ClientRecord[],
  ) {
    return new TokenPlanner(
      {
        legacyClients,
        storeClients: new Map(existing.map((c) => [c.id, c])),
        ownerId: this.ownerId,
        now: this.input.now,
        accessTokenTtl: this.input.accessTokenTtl,
        refreshIdleTtl: this.input.refreshIdleTtl,
      },
      // No bigger than the dump: the batch's columns are allocated up front.
      Math.max(1, Math.min(this.input.batchSize ?? BATCH_SIZE, this.outline.tokenEntries)),
    );
  }
}
