/** Shared by the migrate tests: the legacy fixtures and a logical dump of a store file. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ROOT } from '../../support/paths.js';

export const FIXTURES = join(ROOT, 'test', 'fixtures', 'legacy');
export const DUMP = join(FIXTURES, 'dump.json');
export const CLIENTS = join(FIXTURES, 'oauth_clients.json');
export const CLIENTS_CUSTOM_SECRET = join(FIXTURES, 'oauth_clients.custom-secret.json');
export const DEFAULT_SECRET = 'Nv8Xh-zG_wR3mK2pL4jF9qY6bT5vC1xD0sW7aM';
/** The redirect URI the test installs register at init (test/support/install.ts). */
export const INIT_REDIRECT = 'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH';

export interface LegacyTokenFixture {
  access_token: string;
  refresh_token: string;
  expires_at: number;
  client_id: string;
}

export function legacyTokens(): Record<string, LegacyTokenFixture> {
  return JSON.parse(readFileSync(DUMP, 'utf8')).tokens;
}

export function legacyClients(file = CLIENTS): Record<string, { client_secret?: string }> {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Every row of every table, in a stable order: equal dumps mean an unchanged store. */
export function dumpStore(file: string): string {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all() as { name: string }[];
    const out: Record<string, unknown> = {
      user_version: db.prepare('PRAGMA user_version').get(),
    };
    for (const { name } of tables) {
      out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all();
    }
    return JSON.stringify(out);
  } finally {
    db.close();
  }
}
