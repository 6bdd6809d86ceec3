/**
 * `ma-auth audit`: the audit trail, newest first, and a mark in the store that
 * the owner looked (which `ma-auth status` compares against).
 */
import type { AuditEvent, AuditSeverity } from '../../../store/types.js';
import { withAdminStore } from '../../admin-store.js';
import type { Deps } from '../../deps.js';
import { usageError } from '../../errors.js';
import { isoTime } from '../../render/time.js';
import { sanitize } from '../../sanitize.js';
import type { AuditFlags } from './index.js';
import { AUDIT_KINDS, describeKind } from './kinds.js';
import { parseSince } from './since.js';

const SEVERITIES: readonly AuditSeverity[] = ['info', 'warning', 'critical'];
const DEFAULT_LIMIT = 100;

interface Query {
  readonly since?: number;
  readonly kinds?: readonly string[];
  readonly severities?: readonly AuditSeverity[];
  readonly limit: number;
}

export async function runAudit(flags: AuditFlags, deps: Deps): Promise<void> {
  const query = parseFlags(flags, deps);
  const unknown = (query.kinds ?? []).filter((k) => !(k in AUDIT_KINDS));
  if (unknown.length > 0) {
    deps.io.err(`note: no known event kind ${unknown.map((k) => sanitize(k, 64)).join(', ')} (see --help)`);
  }
  const { events, reviewedAt } = await withAdminStore(deps, async ({ oauth: { store } }) => {
    const reviewedAt = await store.auditReviewedAt();
    const events = await store.listAudit(query);
    if (flags.mark !== false) await store.markAuditReviewed(deps.now());
    return { events, reviewedAt };
  });
  const isNew = (e: AuditEvent) => reviewedAt === null || e.at > reviewedAt;
  if (flags.json) {
    deps.io.out(JSON.stringify(events.map((e) => eventJson(e, isNew(e)))));
    return;
  }
  if (events.length === 0) {
    deps.io.out(flags.since || flags.kind || flags.severity ? 'No events match.' : 'No audit events yet.');
    return;
  }
  const color = deps.io.color();
  deps.io.out(events.map((e) => renderEvent(e, isNew(e), color)).join('\n'));
  if (events.length === query.limit) deps.io.out(`(the newest ${query.limit}; --limit shows more)`);
}

function parseFlags(flags: AuditFlags, deps: Deps): Query {
  let since: number | undefined;
  if (flags.since !== undefined) {
    const parsed = parseSince(flags.since, deps.now());
    if (parsed === null) {
      throw usageError(
        `--since must be a duration such as 30m, 24h, 7d, 2w or a date such as 2026-01-31 (got ${JSON.stringify(sanitize(flags.since, 64))})`,
      );
    }
    since = parsed;
  }
  let severities: AuditSeverity[] | undefined;
  if (flags.severity !== undefined) {
    const index = SEVERITIES.indexOf(flags.severity as AuditSeverity);
    if (index < 0) throw usageError('--severity must be info, warning or critical');
    severities = SEVERITIES.slice(index);
  }
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError('--limit must be a whole number of at least 1');
  const kinds = flags.kind?.map((k) => k.trim()).filter(Boolean);
  return {
    limit,
    ...(since !== undefined ? { since } : {}),
    ...(kinds?.length ? { kinds } : {}),
    ...(severities ? { severities } : {}),
  };
}

function eventJson(e: AuditEvent, isNew: boolean) {
  return {
    id: e.id,
    at: isoTime(e.at),
    kind: e.kind,
    severity: e.severity,
    description: describeKind(e.kind),
    clientId: e.clientId,
    grantId: e.grantId,
    detail: e.detail,
    new: isNew,
  };
}

const SEVERITY_COLOUR: Readonly<Record<string, string>> = { warning: '33', critical: '1;31' };

/** Two lines per event: what and when, then why and from where. Everything recorded is sanitised. */
function renderEvent(e: AuditEvent, isNew: boolean, color: boolean): string {
  const time = isoTime(e.at).replace(/\.\d{3}Z$/, 'Z');
  const paint = SEVERITY_COLOUR[e.severity];
  const severity = color && paint ? `\x1b[${paint}m${e.severity.padEnd(8)}\x1b[0m` : e.severity.padEnd(8);
  const head = [
    time,
    severity,
    sanitize(e.kind, 64),
    e.clientId ? sanitize(e.clientId, 128) : '',
    isNew ? '(new)' : '',
  ]
    .filter(Boolean)
    .join('  ');
  const facts = [
    e.grantId ? `grant ${sanitize(e.grantId, 64)}` : '',
    ...Object.entries(e.detail).map(([k, v]) =>
      v === null || v === undefined ? '' : `${k} ${detailText(v)}`,
    ),
  ].filter(Boolean);
  return [head, `    ${describeKind(e.kind)}`, ...(facts.length ? [`    ${facts.join(' · ')}`] : [])].join(
    '\n',
  );
}

function detailText(value: unknown): string {
  return sanitize(typeof value === 'object' ? JSON.stringify(value) : value, 200);
}
