/**
 * Importing the legacy server's in-memory state (`ma-auth migrate`, DESIGN.md
 * "Flows → migrate"). The ops layer decides what to write, entry by entry, as
 * the store writes it in one transaction; the store remembers what came from
 * the legacy server, so a re-run never imports an entry twice — not even one
 * whose grant has since been revoked, swept or removed with its client.
 */

import type { ClientRecord, NewClient } from '../types.js';
import type { NewGrant, NewToken } from './grants.js';
import type { ClientPatch } from './maintenance.js';

/** What the store remembers per imported legacy item. */
export type LegacyItemKind = 'client' | 'refresh_token';

export interface LegacyImportMark {
  /** The ma-auth client id or grant id the item became. */
  readonly target: string;
  readonly importedAt: number;
}

/**
 * What the import sees of the store while it runs, under the write lock: the
 * store as it was, plus the batches this import has written so far (so a token
 * two entries share is caught by the second, with nothing held in memory).
 */
export interface LegacyImportView {
  /** The clients as they are now. */
  clients(): readonly ClientRecord[];
  /** Whether, and when, a legacy client was imported by an earlier run. */
  clientMark(legacyId: string): LegacyImportMark | null;
  /** Whether a legacy refresh token (by its hash) was imported by an earlier run. */
  importedBefore(refreshHash: string): boolean;
  /**
   * The token the store holds under this hash, if any. Asked in hash order, a
   * batch of lookups reads the index page after page instead of at random.
   */
  token(hash: string): TokenSighting | null;
}

/** A token the store held before this import began, or one this import wrote for the entry `legacyKey`. */
export type TokenSighting =
  | { readonly before: true }
  | { readonly before: false; readonly legacyKey: string };

export type LegacyClientWrite =
  | { readonly legacyId: string; readonly create: NewClient }
  | { readonly legacyId: string; readonly update: { readonly id: string; readonly patch: ClientPatch } };

/** Grants to write together, in refresh-hash order: the store draws their ids sorted to match. */
export interface LegacyGrantBatch {
  readonly size: number;
  /** Yields `size` writes; each may be built as it is asked for. */
  readonly writes: Iterable<LegacyGrantWrite>;
}

export interface LegacyGrantWrite {
  /** SHA-256 of the legacy refresh token: the item's identity. */
  readonly refreshHash: string;
  /** The legacy entry's key (its user id), named when a later entry repeats one of its tokens. */
  readonly legacyKey: string;
  /** The store draws the id (randomId()), so that a batch's ids are in the batch's order. */
  readonly grant: Omit<NewGrant, 'id'>;
  readonly tokens: readonly NewToken[];
}

/** The migration as `status` and the listener's start-up see it. */
export interface MigrationRecord {
  readonly firstAt: number;
  readonly lastAt: number;
  /** Runs that changed the store. */
  readonly runs: number;
  readonly clients: number;
  readonly grants: number;
}

export interface LegacyImport {
  readonly now: number;
  /** Everything is done, then rolled back: a dry run reports what the import does, and keeps nothing. */
  readonly dryRun: boolean;
  /** The client writes, decided under the write lock. */
  clients(view: LegacyImportView): readonly LegacyClientWrite[];
  /**
   * The grants, decided a batch at a time while they are written: each batch
   * is written before the next is asked for, so the view sees it. Throwing
   * aborts the whole import (nothing is kept).
   */
  grants(view: LegacyImportView): Iterable<LegacyGrantBatch>;
  /** Detail of the `migrated` audit event (counts, file digests; never a secret), asked for after the grants. */
  audit(): Readonly<Record<string, unknown>>;
}

export interface LegacyImportResult {
  /**
   * Whether the store changed (in a dry run: would have). False when there was
   * nothing to write and a migration was already recorded: the store is untouched.
   */
  readonly changed: boolean;
  /** Whether the import was committed: never in a dry run. */
  readonly written: boolean;
  readonly clients: number;
  readonly grants: number;
  readonly record: MigrationRecord | null;
}

/** Whether `status` already told the owner about a legacy server's files. */
export interface LegacyStatus {
  readonly migration: MigrationRecord | null;
  readonly noticeShownAt: number | null;
}
