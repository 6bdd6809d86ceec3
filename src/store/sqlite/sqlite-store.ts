/**
 * The Store on one SQLite file (node:sqlite). Calls run synchronously inside an
 * async method: the interface stays async for other backends, and SQLite on a
 * local disk answers in microseconds.
 *
 * This class opens the file, checks the key and delegates: each concern lives
 * in its own module (clients.ts, grants.ts, rotation.ts, codes.ts, pending.ts,
 * devices.ts, attempts.ts, audit.ts, sweep.ts).
 */
import { existsSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { open, seal, sealedKeyId } from '../../crypto/aead.js';
import type { DataKey } from '../../keys/data-key.js';
import { StoreError } from '../errors.js';
import type { Store } from '../store.js';
import type {
  ApprovePairingInput,
  AuditFilter,
  ClientPatch,
  ConsumeDeviceInput,
  GrantListFilter,
  KeyBinding,
  LegacyImport,
  NewAuditEvent,
  NewClient,
  NewDeviceAuthorization,
  NewGrant,
  NewPendingRequest,
  NewToken,
  Owner,
  PollInput,
  RedeemCodeInput,
  RotateRefreshInput,
  StoreCounts,
  SweepInput,
} from '../types.js';
import * as attempts from './attempts.js';
import * as audit from './audit.js';
import { CheckpointWorker } from './checkpoint-worker.js';
import * as clients from './clients.js';
import * as codes from './codes.js';
import { prepared, type SqliteContext } from './context.js';
import {
  migrate,
  openDatabase,
  schemaVersion,
  setAutocheckpoint,
  setWalSizeLimit,
  translate,
  writeTransaction,
} from './database.js';
import * as devices from './devices.js';
import { ExternalChangeCache } from './external-change.js';
import * as grants from './grants.js';
import { type CommitStats, GroupCommitter } from './group-commit.js';
import * as legacy from './legacy.js';
import * as pending from './pending.js';
import { rotateRefreshToken } from './rotation.js';
import { SEALED } from './sealed-fields.js';
import { sweepExpired } from './sweep.js';
import { type CheckpointStats, WalCheckpoints } from './wal-checkpoints.js';
import { WalSync } from './wal-sync.js';

export interface OpenOptions {
  readonly file: string;
  /** The data key. Without one the store opens for counts and key checks only. */
  readonly key?: DataKey | null;
  /** Create the file when missing (init). Otherwise a missing file is `not_initialised`. */
  readonly create?: boolean;
  /** The listener's store: tuned for many small transactions (database.ts). */
  readonly listener?: boolean;
  /** The listener's checkpoint cycle, for tests: shorter than in service so a test can see it. */
  readonly checkpoints?: CheckpointTuning;
}

export const KEY_CHECK_TEXT = 'ma-auth key check';
/** Meta row: when `ma-auth audit` last ran (epoch ms), so `status` warns only about newer events. */
const AUDIT_REVIEWED_AT = 'audit_reviewed_at';

export class SqliteStore implements Store {
  private readonly ctx: SqliteContext;
  private readonly committer: GroupCommitter;
  private commitObserver: ((seconds: number) => void) | null = null;
  /**
   * Client records (read on every token request), the key binding (before
   * every call of the key-following store, follow-key.ts) and the owner;
   * cleared by this connection's writes to them and by other processes' commits.
   */
  private readonly cache: ExternalChangeCache;

  private constructor(
    private readonly db: DatabaseSync,
    private readonly file: string,
    private readonly key: DataKey | null,
    /** The listener's store: its connection runs synchronous=NORMAL and this makes commits durable. */
    private readonly walSync: WalSync | null,
    /** The listener's store: checkpoints run on a worker thread, not inside COMMIT. */
    private readonly checkpoints: WalCheckpoints | null,
  ) {
    this.cache = new ExternalChangeCache(db);
    this.committer = new GroupCommitter(db, {
      translate: (err) => (err instanceof StoreError ? err : translate(err, file)),
      guard: () => this.assertStillBound(),
      observe: (_size, ms) => this.commitObserver?.(ms / 1000),
      ...(walSync ? { sync: walSync } : {}),
      ...(checkpoints ? { gate: checkpoints } : {}),
    });
    this.ctx = {
      db,
      // Inside a group-commit batch a nested write is part of the batch's transaction.
      write: (fn, keep) => {
        if (!this.committer.inBatch) return this.write(fn, keep);
        if (keep) throw new Error('a write that may roll back cannot join a group-commit batch');
        return fn();
      },
      requireKey: () => this.requireKey(),
    };
  }

  static async open(options: OpenOptions): Promise<SqliteStore> {
    if (!options.create && !existsSync(options.file)) {
      throw new StoreError('not_initialised', `no store at ${options.file}. Run: ma-auth init`);
    }
    const db = openDatabase(options.file, { listener: options.listener ?? false });
    let checkpoints: WalCheckpoints | null = null;
    try {
      migrate(db, options.file);
      const walSync = options.listener ? new WalSync(options.file) : null;
      walSync?.flushIfPresent(); // a migration may just have committed
      checkpoints = options.listener ? startCheckpoints(db, options.file, options.checkpoints) : null;
      const store = new SqliteStore(db, options.file, options.key ?? null, walSync, checkpoints);
      store.checkKey();
      return store;
    } catch (err) {
      await checkpoints?.close();
      db.close();
      throw err instanceof StoreError ? err : translate(err, options.file);
    }
  }

  /** The store records which key sealed it; opening with another key is refused, never "repaired". */
  private checkKey(): void {
    if (!this.key) return;
    const check = this.meta('key_check');
    if (!check) return;
    const storedId = sealedKeyId(check);
    if (storedId !== this.key.id) {
      throw new StoreError(
        'key_mismatch',
        `the data key found (id ${this.key.id}) is not the key that sealed the store ${this.file} (id ${storedId})`,
      );
    }
    if (open(this.key, check, SEALED.keyCheck.context).toString('utf8') !== KEY_CHECK_TEXT) {
      throw new StoreError('key_mismatch', `the store's key check does not verify with key ${this.key.id}`);
    }
  }

  private requireKey(): DataKey {
    if (!this.key) throw new StoreError('key_required', 'this operation needs the data key');
    return this.key;
  }

  private meta(name: string): string | null {
    const row = prepared(this.db, 'SELECT value FROM meta WHERE name = ?').get(name) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }

  private setMeta(name: string, value: string): void {
    this.cache.clear();
    prepared(
      this.db,
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    ).run(name, value);
  }

  private write<T>(fn: () => T, keep?: (result: T) => boolean): T {
    const started = this.commitObserver ? performance.now() : 0;
    try {
      const result = writeTransaction(
        this.db,
        () => {
          this.assertStillBound();
          return fn();
        },
        keep,
      );
      this.walSync?.flushSync();
      this.commitObserver?.((performance.now() - started) / 1000);
      return result;
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw translate(err, this.file);
    }
  }

  /**
   * Under the write lock: the store is still sealed with our key. `rotate-key`
   * in another process may have re-sealed it since we opened it; writing now
   * would seal new values with a retired key. follow-key.ts adopts the new key
   * and runs the call again.
   */
  private assertStillBound(): void {
    const check = this.key && this.meta('key_check');
    if (!check || !this.key) return;
    const bound = sealedKeyId(check);
    if (bound !== this.key.id) {
      throw new StoreError(
        'key_changed',
        `the data key was rotated while this ran (the store is now sealed with ${bound}); nothing was written. Run it again.`,
      );
    }
  }

  async schemaVersion(): Promise<number> {
    return schemaVersion(this.db);
  }

  async keyBinding(): Promise<KeyBinding | null> {
    return this.cache.get('meta:key_check', (): KeyBinding | null => {
      const check = this.meta('key_check');
      return check ? { keyId: sealedKeyId(check) } : null;
    });
  }

  async initialise(setup: { owner: Owner; clients: readonly NewClient[]; now: number }): Promise<void> {
    const key = this.requireKey();
    this.write(() => {
      if (this.meta('key_check')) {
        throw new StoreError('already_initialised', `the store ${this.file} is already set up`);
      }
      this.setMeta('key_check', seal(key, KEY_CHECK_TEXT, SEALED.keyCheck.context));
      this.setMeta('owner_id', setup.owner.id);
      this.setMeta(
        'owner_profile_sealed',
        seal(key, JSON.stringify({ name: setup.owner.name }), SEALED.ownerProfile.context),
      );
      this.setMeta('created_at', String(setup.now));
      this.cache.clear();
      for (const client of setup.clients) clients.insertClient(this.ctx, client, setup.now);
    });
  }

  async owner(): Promise<Owner | null> {
    return this.cache.get('meta:owner', (): Owner | null => {
      const id = this.meta('owner_id');
      const profile = this.meta('owner_profile_sealed');
      if (!id || !profile) return null;
      const { name } = JSON.parse(
        open(this.requireKey(), profile, SEALED.ownerProfile.context).toString('utf8'),
      );
      return { id, name };
    });
  }

  // ── clients ──
  async getClient(id: string) {
    return this.cache.get(`client:${id}`, () => clients.getClient(this.ctx, id));
  }
  async listClients() {
    return clients.listClients(this.ctx);
  }
  async addClient(client: NewClient, now: number) {
    return this.batch(() => {
      this.cache.clear();
      return clients.addClient(this.ctx, client, now);
    });
  }
  async updateClient(id: string, patch: ClientPatch, now: number) {
    return this.batch(() => {
      this.cache.clear();
      return clients.updateClient(this.ctx, id, patch, now);
    });
  }
  async removeClient(id: string) {
    return this.batch(() => {
      this.cache.clear();
      return clients.removeClient(this.ctx, id);
    });
  }

  // ── grants and tokens ──
  async createGrant(input: { grant: NewGrant; tokens: readonly NewToken[]; now: number }) {
    return this.batch(() => grants.createGrant(this.ctx, input));
  }
  async getGrant(id: string) {
    return grants.getGrant(this.ctx, id);
  }
  async findToken(hash: string) {
    return grants.findToken(this.ctx, hash);
  }
  async rotateRefreshToken(input: RotateRefreshInput) {
    return this.batch(() => rotateRefreshToken(this.ctx, input));
  }
  async revokeGrant(id: string, now: number, reason: string) {
    return this.batch(() => grants.revokeGrant(this.ctx, id, now, reason));
  }
  async revokeClientGrants(clientId: string, now: number, reason: string) {
    return this.batch(() => grants.revokeClientGrants(this.ctx, clientId, now, reason));
  }
  async revokeToken(hash: string, now: number) {
    return this.batch(() => grants.revokeToken(this.ctx, hash, now));
  }
  async listGrants(filter: GrantListFilter) {
    return grants.listGrants(this.ctx, filter);
  }

  // ── authorization codes ──
  async getAuthorizationCode(hash: string) {
    return codes.getAuthorizationCode(this.ctx, hash);
  }
  async redeemAuthorizationCode(input: RedeemCodeInput) {
    return this.batch(() => codes.redeemAuthorizationCode(this.ctx, input));
  }

  // ── pending requests ──
  async createPendingRequest(request: NewPendingRequest) {
    return this.batch(() => pending.createPendingRequest(this.ctx, request));
  }
  async getPendingRequest(idHash: string) {
    return pending.getPendingRequest(this.ctx, idHash);
  }
  async deletePendingRequest(idHash: string) {
    return this.batch(() => pending.deletePendingRequest(this.ctx, idHash));
  }
  async approvePendingRequest(input: ApprovePairingInput) {
    return this.batch(() => pending.approvePendingRequest(this.ctx, input));
  }

  // ── device authorizations ──
  async createDeviceAuthorization(input: NewDeviceAuthorization) {
    return this.batch(() => devices.createDeviceAuthorization(this.ctx, input));
  }
  async findDeviceAuthorizationByUserCode(userCodeHash: string) {
    return devices.findDeviceAuthorizationByUserCode(this.ctx, userCodeHash);
  }
  async decideDeviceAuthorization(input: { id: string; approve: boolean; ownerId: string; now: number }) {
    return this.batch(() => devices.decideDeviceAuthorization(this.ctx, input));
  }
  async cancelDeviceAuthorization(input: { deviceCodeHash: string; clientId: string; now: number }) {
    return this.batch(() => devices.cancelDeviceAuthorization(this.ctx, input));
  }
  async pollDeviceAuthorization(input: PollInput) {
    return this.batch(() => devices.pollDeviceAuthorization(this.ctx, input));
  }
  async consumeDeviceAuthorization(input: ConsumeDeviceInput) {
    return this.batch(() => devices.consumeDeviceAuthorization(this.ctx, input));
  }

  // ── attempt counters ──
  async recordFailedAttempt(input: { key: string; now: number; windowMs: number }) {
    return this.batch(() => attempts.recordFailedAttempt(this.ctx, input));
  }
  async failedAttempts(key: string, now: number) {
    return attempts.failedAttempts(this.ctx, key, now);
  }

  // ── audit, maintenance ──
  async appendAudit(event: NewAuditEvent) {
    return this.batch(() => audit.appendAudit(this.ctx, event));
  }
  async listAudit(filter: AuditFilter) {
    return audit.listAudit(this.ctx, filter);
  }
  async auditReviewedAt() {
    const value = this.meta(AUDIT_REVIEWED_AT);
    return value === null ? null : Number(value);
  }
  async markAuditReviewed(at: number) {
    this.write(() => this.setMeta(AUDIT_REVIEWED_AT, String(at)));
  }
  observeCommits(observer: ((seconds: number) => void) | null): void {
    this.commitObserver = observer;
  }
  async sweepExpired(input: SweepInput) {
    return this.batch(() => sweepExpired(this.ctx, input));
  }

  // ── legacy import ──
  async importLegacy(input: LegacyImport) {
    try {
      return await legacy.importLegacy(this.ctx, input);
    } finally {
      this.cache.clear(); // it may have added or changed clients
    }
  }
  async legacyStatus() {
    return legacy.legacyStatus(this.ctx);
  }
  async markLegacyNoticeShown(now: number) {
    return legacy.markLegacyNoticeShown(this.ctx, now);
  }

  async counts(now: number): Promise<StoreCounts> {
    const one = (sql: string, ...args: number[]) => (prepared(this.db, sql).get(...args) as { n: number }).n;
    return {
      clients: one('SELECT count(*) AS n FROM clients'),
      activeGrants: one(
        `SELECT count(*) AS n FROM grants g WHERE g.revoked_at IS NULL AND EXISTS
           (SELECT 1 FROM tokens t WHERE t.grant_id = g.id AND t.revoked_at IS NULL
              AND t.superseded_at IS NULL AND t.expires_at > ?)`,
        now,
      ),
      pendingPairings: one(
        `SELECT count(*) AS n FROM device_authorizations WHERE status = 'pending' AND expires_at > ?`,
        now,
      ),
    };
  }

  /**
   * SQLite's `PRAGMA integrity_check` (for `ma-auth doctor`): [] when the file
   * is sound, else SQLite's findings (capped at 20). A damaged page can also
   * make the check itself fail: that is reported as one finding.
   */
  async integrityCheck(): Promise<string[]> {
    try {
      const rows = this.db.prepare('PRAGMA integrity_check(20)').all() as { integrity_check: string }[];
      const findings = rows.map((r) => r.integrity_check);
      return findings.length === 1 && findings[0] === 'ok' ? [] : findings;
    } catch (err) {
      return [(err as Error).message];
    }
  }

  /** Group commit: queue a write body; resolves once its batch is durable (group-commit.ts). */
  private batch<T>(body: () => T): Promise<T> {
    return this.committer.submit(body);
  }

  /** How many COMMITs carried how many writes (for tests and benchmarks). */
  get commitStats(): CommitStats {
    return this.committer.commitStats;
  }

  /** The listener's checkpoint thread at work (null for other stores). */
  get checkpointStats(): CheckpointStats | null {
    return this.checkpoints?.checkpointStats ?? null;
  }

  async close(): Promise<void> {
    if (!this.db.isOpen) return;
    await this.checkpoints?.close();
    if (!this.db.isOpen) return;
    this.committer.drain();
    this.db.close();
    this.walSync?.close();
  }
}

/**
 * How often, under load, the listener's WAL is checkpointed (wal-checkpoints.ts):
 * about what SQLite's autocheckpoint of 10,000 pages came to at full load.
 */
const CHECKPOINT_INTERVAL_MS = 250;
/**
 * Frames (4 KiB pages) in the WAL before a cycle holds commits to restart it:
 * reached only under sustained load (about every two seconds at full refresh
 * load); see wal-checkpoints.ts. The WAL file is kept at up to twice that
 * (512 MiB) rather than cut back after each restart and grown again.
 */
const HOLD_AT_FRAMES = 65_536;

export interface CheckpointTuning {
  readonly intervalMs?: number;
  readonly holdAtFrames?: number;
}

function startCheckpoints(db: DatabaseSync, file: string, tuning: CheckpointTuning = {}): WalCheckpoints {
  const checkpoints = new WalCheckpoints(new CheckpointWorker(file), {
    intervalMs: tuning.intervalMs ?? CHECKPOINT_INTERVAL_MS,
    holdAtFrames: tuning.holdAtFrames ?? HOLD_AT_FRAMES,
    fallback: () => {
      if (db.isOpen) setAutocheckpoint(db, true);
    },
  });
  setAutocheckpoint(db, false);
  setWalSizeLimit(db, 2 * (tuning.holdAtFrames ?? HOLD_AT_FRAMES));
  return checkpoints;
}
