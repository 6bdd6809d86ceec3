/**
 * Importing the legacy server's in-memory state (`ma-auth migrate`, DESIGN.md
 * "Flows → migrate"). The ops layer decides what to write; the store writes it
 * in one transaction and remembers what came from the legacy server, so a
 * re-run never imports an entry twice — not even one whose grant has since
 * been revoked, swept or removed with its client.
 */

import type { NewClient } from '../types.js';
import type { NewGrant, NewToken } from './grants.js';
import type { ClientPatch } from './maintenance.js';

/** What the store remembers per imported legacy item. */
export type LegacyItemKind = 'client' | 'refresh_token';

export interface LegacyImportMark {
  /** The ma-auth client id or grant id the item became. */
  readonly target: string;
  readonly importedAt: number;
}

/** What a planned import needs to know before it decides anything. */
export interface LegacyStateQuery {
  /** Legacy client ids. */
  readonly clientIds: readonly string[];
  /** SHA-256 (hex) of legacy refresh tokens. */
  readonly refreshHashes: readonly string[];
  /** SHA-256 (hex) of every token about to be written, refresh and access. */
  readonly tokenHashes: readonly string[];
}

export interface LegacyState {
  readonly clients: ReadonlyMap<string, LegacyImportMark>;
  readonly refreshTokens: ReadonlyMap<string, LegacyImportMark>;
  /** The token hashes the store already holds (as any token). */
  readonly existingTokens: ReadonlySet<string>;
}

export type LegacyClientWrite =
  | { readonly legacyId: string; readonly create: NewClient }
  | { readonly legacyId: string; readonly update: { readonly id: string; readonly patch: ClientPatch } };

export interface LegacyGrantWrite {
  /** SHA-256 of the legacy refresh token: the item's identity. */
  readonly refreshHash: string;
  readonly grant: NewGrant;
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
  readonly clients: readonly LegacyClientWrite[];
  readonly grants: readonly LegacyGrantWrite[];
  /** Detail of the `migrated` audit event (counts, file digests; never a secret). */
  readonly audit: Readonly<Record<string, unknown>>;
  /** Called after each grant is written; throwing aborts the whole import (nothing is kept). */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface LegacyImportResult {
  /** False when there was nothing to write and a migration was already recorded: the store is untouched. */
  readonly written: boolean;
  readonly clients: number;
  readonly grants: number;
  /**
   * Items skipped because they were imported (or their token appeared) between
   * planning and writing — a concurrent `ma-auth migrate`. Normally 0.
   */
  readonly raced: number;
  readonly record: MigrationRecord | null;
}

/** Whether `status` already told the owner about a legacy server's files. */
export interface LegacyStatus {
  readonly migration: MigrationRecord | null;
  readonly noticeShownAt: number | null;
}
