/**
 * The Store: everything ma-auth persists, behind an async interface so that a
 * networked backend (PostgreSQL, see DESIGN.md "Later") can implement it
 * without changing its callers. The SQLite implementation answers from the
 * same process, but callers never rely on that.
 *
 * Each method is one atomic operation; a write has reached stable storage
 * (fsync) before its promise resolves — DESIGN.md "Durable before it answers".
 */
import type {
  AuditEvent,
  ClientRecord,
  KeyBinding,
  NewAuditEvent,
  NewClient,
  Owner,
  StoreCounts,
} from './types.js';

export interface Store {
  /** Schema version of the open store. */
  schemaVersion(): Promise<number>;
  keyBinding(): Promise<KeyBinding | null>;

  /**
   * First-time set-up in one transaction: key binding, owner and clients.
   * Fails if the store is already initialised.
   */
  initialise(setup: { owner: Owner; clients: readonly NewClient[]; now: number }): Promise<void>;
  owner(): Promise<Owner | null>;

  getClient(id: string): Promise<ClientRecord | null>;
  listClients(): Promise<ClientRecord[]>;
  addClient(client: NewClient, now: number): Promise<void>;

  appendAudit(event: NewAuditEvent): Promise<void>;
  listAudit(filter: { since?: number; kinds?: readonly string[]; limit?: number }): Promise<AuditEvent[]>;

  counts(now: number): Promise<StoreCounts>;

  close(): Promise<void>;
}
