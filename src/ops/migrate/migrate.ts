/**
 * `ma-auth migrate` as an operation over the store (DESIGN.md "Flows →
 * migrate"): check the whole legacy export, then decide and write every entry
 * in one transaction — or, for a dry run, do exactly that and roll it back.
 * The dump is read as a stream, twice (read-dump.ts), and never held whole:
 * memory does not grow with the number of tokens.
 */
import { StoreError } from '../../store/errors.js';
import type { LegacyImport } from '../../store/records/legacy.js';
import type { Store } from '../../store/store.js';
import type { LegacyImportResult } from '../../store/types.js';
import { asInputError, loadClients, MigrateInputError, openDump } from './inputs.js';
import type { Issue } from './legacy-format.js';
import { MigrationRun } from './migration-run.js';
import type { ClientPlan } from './plan-clients.js';
import type { TokenCounts } from './plan-tokens.js';
import { outlineDump } from './read-dump.js';

export { MigrateInputError } from './inputs.js';

/** `checking`: the first pass, in bytes of the dump; `writing`: the import, in entries. */
export type MigratePhase = 'checking' | 'writing';

export interface MigrateInput {
  readonly dumpFile: string;
  readonly clientsFile?: string | undefined;
  readonly dryRun: boolean;
  readonly now: number;
  /** Seconds, from the config. */
  readonly accessTokenTtl: number;
  readonly refreshIdleTtl: number;
  /** Called as the work goes; throwing from it during `writing` aborts the import with nothing kept. */
  readonly onProgress?: ((phase: MigratePhase, done: number, total: number) => void) | undefined;
  /** Entries decided and written together (BATCH_SIZE in migration-run.ts); tests make it small. */
  readonly batchSize?: number | undefined;
}

export interface MigrationReport {
  readonly dryRun: boolean;
  /** Whether the store changed (or, in a dry run, would). */
  readonly changed: boolean;
  readonly dump: { readonly file: string; readonly sha256: string };
  readonly clientsFile: { readonly file: string; readonly sha256: string } | null;
  readonly clients: readonly Omit<ClientPlan, 'write' | 'result'>[];
  readonly tokens: TokenCounts & { readonly entries: number; readonly malformed: number };
  /** Short-lived legacy state: counted, not imported. */
  readonly authCodes: number;
  readonly pendingAuthCodes: number;
  readonly ignoredKeys: readonly string[];
  readonly malformed: readonly Issue[];
  readonly skipped: readonly Issue[];
  /** Written this run (null in a dry run, or when nothing was written). */
  readonly result: LegacyImportResult | null;
  /** A migration was on record before this run. */
  readonly previouslyMigratedAt: number | null;
}

export async function migrateLegacy(store: Store, input: MigrateInput): Promise<MigrationReport> {
  const dump = openDump(input.dumpFile);
  try {
    const outline = asInputError('the legacy dump', input.dumpFile, () =>
      outlineDump(dump, (done, total) => input.onProgress?.('checking', done, total)),
    );
    const clientsFile = input.clientsFile ? await loadClients(input.clientsFile) : null;
    const owner = await store.owner();
    if (!owner) throw new MigrateInputError('the store has no owner; run ma-auth init first');
    const before = await store.legacyStatus();
    const run = new MigrationRun(input, dump, outline, clientsFile?.parsed ?? null, owner.id);
    const result = await importing(store, {
      now: input.now,
      dryRun: input.dryRun,
      clients: (view) => run.planClients(view),
      grants: (view) => run.grants(view),
      audit: () => ({
        dumpSha256: outline.sha256,
        clientsSha256: clientsFile?.sha256 ?? null,
        tokenEntries: outline.tokenEntries,
        malformed: run.malformedCount,
        skipped: run.tokens.counts.skipped,
        alreadyImported: run.tokens.counts.alreadyImported,
        secretsReplaced: run.clientPlans.filter((p) => p.write && p.secret === 'replaced').map((p) => p.id),
      }),
    });
    return {
      dryRun: input.dryRun,
      changed: result.changed,
      dump: { file: input.dumpFile, sha256: outline.sha256 },
      clientsFile:
        clientsFile && input.clientsFile ? { file: input.clientsFile, sha256: clientsFile.sha256 } : null,
      clients: run.clientPlans.map(({ write: _w, result: _r, ...rest }) => rest),
      tokens: {
        ...run.tokens.counts,
        entries: outline.tokenEntries,
        malformed: run.malformedTokens.length + outline.malformed.length,
      },
      authCodes: outline.authCodes,
      pendingAuthCodes: outline.pendingAuthCodes,
      ignoredKeys: outline.ignoredKeys,
      malformed: [...(clientsFile?.parsed.malformed ?? []), ...run.malformedTokens, ...outline.malformed],
      skipped: run.tokens.skipped,
      result: result.written ? result : null,
      previouslyMigratedAt: before.migration?.lastAt ?? null,
    };
  } finally {
    dump.close();
  }
}

/** The store words errors it does not know as its own; the input's errors keep their wording (exit 2). */
async function importing(store: Store, input: LegacyImport): Promise<LegacyImportResult> {
  try {
    return await store.importLegacy(input);
  } catch (err) {
    if (err instanceof StoreError && err.cause instanceof MigrateInputError) throw err.cause;
    throw err;
  }
}
