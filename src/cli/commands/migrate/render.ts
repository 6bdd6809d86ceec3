/**
 * The migration report, for people and for scripts. Everything that came from
 * the legacy files (user ids, client ids, URIs) is sanitised before printing.
 * Long lists are cut on a terminal; `--json` carries them whole.
 */
import type { Issue } from '../../../ops/migrate/legacy-format.js';
import type { MigrationReport } from '../../../ops/migrate/migrate.js';
import type { ClientPlan } from '../../../ops/migrate/plan-clients.js';
import { sanitize } from '../../sanitize.js';

const LIST_LIMIT = 20;

export function jsonReport(r: MigrationReport): Record<string, unknown> {
  return { event: r.dryRun ? 'dry_run' : r.changed ? 'migrated' : 'unchanged', ...r };
}

export function renderReport(
  r: MigrationReport,
  opts: { color: boolean; clientsFileFound: string | null },
): string {
  const bold = (s: string) => (opts.color ? `\x1b[1m${s}\x1b[22m` : s);
  const dry = r.dryRun;
  const n = (count: number) => count.toLocaleString('en');
  const lines: string[] = [];
  if (dry && !r.changed) {
    lines.push(`${bold('Dry run: nothing to do')} — everything here was migrated before.`);
  } else if (dry) lines.push(`${bold('Dry run: nothing was changed.')} ma-auth migrate would:`);
  else if (!r.changed) {
    lines.push(
      bold('Nothing to do: everything here was migrated before') +
        (r.previouslyMigratedAt ? ` (last on ${new Date(r.previouslyMigratedAt).toISOString()})` : '') +
        '. The store was not changed.',
    );
  } else lines.push(bold('Migrated from the legacy server, in one transaction.'));
  lines.push(`  dump      ${sanitize(r.dump.file)}`);
  if (r.clientsFile) lines.push(`  clients   ${sanitize(r.clientsFile.file)}`);

  if (r.clients.length) {
    lines.push('', bold('Clients'));
    for (const c of r.clients) lines.push(...clientLines(c, dry));
  }

  const t = r.tokens;
  const imported = dry ? 'would import' : 'imported';
  lines.push('', bold(`Tokens (${n(t.entries)} entries)`));
  lines.push(
    `  ${imported.padEnd(14)} ${n(t.imported)} grant${t.imported === 1 ? '' : 's'}, all owned by the owner` +
      (t.imported
        ? ` (${n(t.fromTestUser)} from test_user, ${n(t.fromOtherUsers)} from other legacy users)`
        : ''),
  );
  if (t.imported) {
    lines.push(
      `  access tokens  ${n(t.accessTokens)} still valid, kept until they expire` +
        (t.accessTokensCapped ? ` (${n(t.accessTokensCapped)} cut to the configured lifetime)` : '') +
        `; ${n(t.accessTokensExpired)} expired, not kept`,
    );
    lines.push('  refresh tokens kept as hashes: the next refresh works and rotates to a new token');
    if (t.scopeDefaulted) {
      lines.push(`  scope          ${n(t.scopeDefaulted)} named no known scope: given the client's scopes`);
    }
  }
  if (t.alreadyImported) lines.push(`  unchanged      ${n(t.alreadyImported)} migrated before`);
  if (t.skipped) lines.push(`  skipped        ${n(t.skipped)} (below)`);
  if (r.malformed.length) lines.push(`  malformed      ${n(r.malformed.length)} (below)`);
  if (r.authCodes || r.pendingAuthCodes) {
    lines.push(
      `  short-lived    ${n(r.authCodes)} authorization code${r.authCodes === 1 ? '' : 's'} and ` +
        `${n(r.pendingAuthCodes)} pending request${r.pendingAuthCodes === 1 ? '' : 's'}: not imported (they expire in minutes)`,
    );
  }
  if (r.ignoredKeys.length)
    lines.push(`  ignored        top-level ${r.ignoredKeys.map((k) => sanitize(k, 64)).join(', ')}`);

  lines.push(...issueLines('Malformed entries (skipped)', r.malformed, bold));
  lines.push(...issueLines('Skipped', r.skipped, bold));

  if (!r.clientsFile && opts.clientsFileFound) {
    lines.push(
      '',
      `Note: ${sanitize(opts.clientsFileFound)} is a legacy clients file; add --clients ${sanitize(opts.clientsFileFound)} to migrate its clients.`,
    );
  }
  for (const c of r.clients) {
    if (c.secret !== 'replaced' || c.action === 'unchanged' || c.action === 'skip') continue;
    const id = sanitize(c.id, 128);
    if (!c.newSecret) {
      lines.push('', `A new client secret would be generated for ${id} and shown once.`);
      continue;
    }
    lines.push(
      '',
      `${bold(`New client secret for ${id}`)} (shown only this once; ma-auth keeps only its hash):`,
      `  ${c.newSecret}`,
      'Put it in the Alexa developer console now: your skill → Account Linking → Your Secret.',
      "Until then Alexa's refreshes fail (invalid_client); existing links are not lost.",
    );
  }
  return lines.join('\n');
}

function clientLines(c: MigrationReport['clients'][number], dry: boolean): string[] {
  const id = sanitize(c.id, 128);
  const verb: Record<ClientPlan['action'], string> = dry
    ? { create: 'would create', update: 'would update', unchanged: 'unchanged', skip: 'skipped' }
    : { create: 'created', update: 'updated', unchanged: 'unchanged', skip: 'skipped' };
  if (c.action === 'skip' || c.action === 'unchanged') {
    return [`  ${id}: ${verb[c.action]}: ${sanitize(c.reason, 300)}`];
  }
  const secret = {
    legacy: 'legacy secret kept (stored as its hash; the Alexa console needs no change)',
    replaced: 'secret REPLACED (the legacy one was the published default)',
    none: 'public client, no secret',
  }[c.secret ?? 'none'];
  const out = [`  ${id}: ${verb[c.action]} as the Alexa skill (${c.type}); ${secret}`];
  for (const uri of c.redirectUrisAdded) out.push(`    + redirect URI ${sanitize(uri, 300)}`);
  for (const rej of c.redirectUrisRejected) {
    out.push(`    ! redirect URI ${sanitize(rej.key, 300)} not registered: ${sanitize(rej.reason, 300)}`);
  }
  for (const note of c.notes) out.push(`    note: ${sanitize(note, 300)}`);
  return out;
}

function issueLines(title: string, issues: readonly Issue[], bold: (s: string) => string): string[] {
  if (!issues.length) return [];
  const out = ['', bold(title)];
  for (const i of issues.slice(0, LIST_LIMIT))
    out.push(`  ${sanitize(i.key, 160)}: ${sanitize(i.reason, 300)}`);
  if (issues.length > LIST_LIMIT) out.push(`  … and ${issues.length - LIST_LIMIT} more (--json lists all)`);
  return out;
}
