/**
 * `ma-auth migrate` as an operation over the store (DESIGN.md "Flows →
 * migrate"): read the legacy export, plan every entry against what the store
 * holds, then write the plan in one transaction — or, for a dry run, report it
 * and write nothing. The plan is the report: a dry run and the real run
 * describe the same changes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sha256Hex } from '../../crypto/hash.js';
import { randomToken } from '../../crypto/random-token.js';
import type { Store } from '../../store/store.js';
import type { LegacyImportResult } from '../../store/types.js';
import { type Issue, LegacyFormatError, parseLegacyClients, parseLegacyDump } from './legacy-format.js';
import { type ClientPlan, planClients } from './plan-clients.js';
import { type ClientResolution, planTokens, type TokenCounts } from './plan-tokens.js';

export type MigratePhase = 'checking' | 'writing';

export interface MigrateInput {
  readonly dumpFile: string;
  readonly clientsFile?: string | undefined;
  readonly dryRun: boolean;
  readonly now: number;
  /** Seconds, from the config. */
  readonly accessTokenTtl: number;
  readonly refreshIdleTtl: number;
  /** Called per entry; throwing from it during `writing` aborts the import with nothing kept. */
  readonly onProgress?: ((phase: MigratePhase, done: number, total: number) => void) | undefined;
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

export class MigrateInputError extends Error {
  override readonly name = 'MigrateInputError';
}

export async function migrateLegacy(store: Store, input: MigrateInput): Promise<MigrationReport> {
  // Loaded in helpers, so the raw JSON is garbage as soon as it is checked.
  const dumpFile = await load(input.dumpFile, 'the legacy dump', parseLegacyDump);
  const dump = dumpFile.parsed;
  const clientsFile = input.clientsFile
    ? await load(input.clientsFile, 'the legacy clients file', parseLegacyClients)
    : null;
  const legacyClients = clientsFile?.parsed ?? {
    clients: [],
    malformed: [],
    malformedIds: new Map<string, string>(),
  };

  const owner = await store.owner();
  if (!owner) throw new MigrateInputError('the store has no owner; run ma-auth init first');
  const existing = await store.listClients();
  const total = dump.tokens.length;
  const hashes = dump.tokens.map((t, i) => {
    input.onProgress?.('checking', i + 1, total * 2);
    return { refresh: sha256Hex(t.refreshToken), access: sha256Hex(t.accessToken) };
  });
  const state = await store.legacyState({
    clientIds: legacyClients.clients.map((c) => c.id),
    refreshHashes: hashes.map((h) => h.refresh),
    tokenHashes: hashes.flatMap((h) => [h.refresh, h.access]),
  });
  const clientPlans = planClients({
    entries: legacyClients.clients,
    existing,
    marks: state.clients,
    dryRun: input.dryRun,
    newSecret: () => randomToken('clientSecret'),
  });
  const resolutions = new Map<string, ClientResolution>();
  for (const plan of clientPlans) {
    resolutions.set(plan.id, plan.result ? { client: plan.result } : { skipped: plan.reason ?? 'skipped' });
  }
  for (const [id, reason] of legacyClients.malformedIds) {
    resolutions.set(id, { skipped: `its entry in the clients file is malformed (${reason})` });
  }
  const tokens = planTokens({
    entries: dump.tokens,
    hashes,
    legacyClients: resolutions,
    storeClients: new Map(existing.map((c) => [c.id, c])),
    state,
    ownerId: owner.id,
    now: input.now,
    accessTokenTtl: input.accessTokenTtl,
    refreshIdleTtl: input.refreshIdleTtl,
    onProgress: (done) => input.onProgress?.('checking', total + done, total * 2),
  });

  const clientWrites = clientPlans.flatMap((p) => (p.write ? [p.write] : []));
  const before = await store.legacyStatus();
  const wouldChange = clientWrites.length > 0 || tokens.writes.length > 0 || before.migration === null;
  let result: LegacyImportResult | null = null;
  if (!input.dryRun && wouldChange) {
    result = await store.importLegacy({
      now: input.now,
      clients: clientWrites,
      grants: tokens.writes,
      audit: {
        dumpSha256: dumpFile.sha256,
        clientsSha256: clientsFile?.sha256 ?? null,
        tokenEntries: dump.tokenEntries,
        malformed: dump.malformed.length + legacyClients.malformed.length,
        skipped: tokens.counts.skipped,
        alreadyImported: tokens.counts.alreadyImported,
        secretsReplaced: clientPlans.filter((p) => p.write && p.secret === 'replaced').map((p) => p.id),
      },
      onProgress: (done, n) => input.onProgress?.('writing', done, n),
    });
  }
  return {
    dryRun: input.dryRun,
    changed: input.dryRun ? wouldChange : (result?.written ?? false),
    dump: { file: input.dumpFile, sha256: dumpFile.sha256 },
    clientsFile:
      clientsFile && input.clientsFile ? { file: input.clientsFile, sha256: clientsFile.sha256 } : null,
    clients: clientPlans.map(({ write: _w, result: _r, ...rest }) => rest),
    tokens: { ...tokens.counts, entries: dump.tokenEntries, malformed: dump.malformed.length },
    authCodes: dump.authCodes,
    pendingAuthCodes: dump.pendingAuthCodes,
    ignoredKeys: dump.ignoredKeys,
    malformed: [...legacyClients.malformed, ...dump.malformed],
    skipped: tokens.skipped,
    result,
    previouslyMigratedAt: before.migration?.lastAt ?? null,
  };
}

async function load<T>(
  file: string,
  what: string,
  parse: (raw: unknown, file: string) => T,
): Promise<{ parsed: T; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MigrateInputError(`cannot read ${what} ${file} (${code ?? (err as Error).message})`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new MigrateInputError(
      `${what} ${file} is not valid JSON (${(err as Error).message}). ` +
        'Python writes NaN/Infinity unless json.dump(..., allow_nan=False); see docs/migration.md',
    );
  }
  try {
    return { parsed: parse(raw, file), sha256 };
  } catch (err) {
    if (err instanceof LegacyFormatError) throw new MigrateInputError(err.message);
    throw err;
  }
}
