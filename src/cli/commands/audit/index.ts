/** `ma-auth audit`: declaration only; the implementation loads when it runs. */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';

export interface AuditFlags {
  since?: string;
  kind?: string[];
  severity?: string;
  limit?: string;
  json?: boolean;
  /** False with --no-mark. */
  mark?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',')];

export function registerAudit(program: Command, getDeps: () => Deps): void {
  program
    .command('audit')
    .description('Show the security events in the store, newest first (links, token reuse, lock-outs, …)')
    .option('--since <when>', 'only events since then: 30m, 24h, 7d, 2w, or a date such as 2026-01-31')
    .option('--kind <kind>', 'only events of this kind; repeat or separate with commas', collect)
    .option('--severity <level>', 'only events at least this serious: info, warning or critical')
    .option('--limit <n>', 'show at most this many events (default 100)')
    .option('--no-mark', 'do not record this run as "looked at" (for scripts)')
    .option('--json', 'print a JSON array (ISO 8601 times)')
    .addHelpText(
      'after',
      `
Each run records that you looked: ma-auth status warns only about warning and
critical events newer than your last ma-auth audit (--no-mark leaves that alone).
Events marked "new" happened after the previous run.

Kinds: linked, link_denied, refresh_old_token, refresh_reuse_detected,
code_replayed, pairing_failed, pairing_locked, client_auth_failed,
device_approved, device_denied, grant_revoked, client_added, client_removed,
client_secret_rotated, client_redirect_uris_changed, key_rotated, restored,
migrated.

Exit codes: 0 shown, 2 usage (bad --since, --severity or --limit), 3 not set up,
4 data key missing or not the store's key, 8 store damaged.

Examples:
  $ ma-auth audit
  $ ma-auth audit --since 24h --severity warning
  $ ma-auth audit --kind refresh_reuse_detected,pairing_locked --json | jq .`,
    )
    .action(async (flags: AuditFlags) => {
      const { runAudit } = await import('./run.js');
      await runAudit(flags, getDeps());
    });
}
