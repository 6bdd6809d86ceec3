/**
 * The serious (warning or critical) audit events newer than the owner's last
 * `ma-auth audit` — what `ma-auth status` warns about and `ma-auth doctor`
 * reports. Reads no sealed detail, so it needs no data key.
 */
import type { Store } from '../store/store.js';
import type { AuditSeverity } from '../store/types.js';

const SERIOUS: readonly AuditSeverity[] = ['warning', 'critical'];
/** Counting stops here: the point is that there is something to look at. */
export const MAX_COUNTED = 1000;

export interface UnreviewedEvents {
  /** At most MAX_COUNTED. */
  readonly count: number;
  readonly critical: number;
  /** ISO 8601. */
  readonly newestAt: string;
  readonly newestKind: string;
  /** When `ma-auth audit` last ran (ISO 8601); null if never. */
  readonly reviewedAt: string | null;
}

/** Null when there is nothing new to look at. */
export async function unreviewedEvents(store: Store): Promise<UnreviewedEvents | null> {
  const reviewedAt = await store.auditReviewedAt();
  const events = await store.listAudit({
    since: reviewedAt === null ? 0 : reviewedAt + 1,
    severities: SERIOUS,
    limit: MAX_COUNTED,
    detail: false,
  });
  const [newest] = events;
  if (!newest) return null;
  return {
    count: events.length,
    critical: events.filter((e) => e.severity === 'critical').length,
    newestAt: new Date(newest.at).toISOString(),
    newestKind: newest.kind,
    reviewedAt: reviewedAt === null ? null : new Date(reviewedAt).toISOString(),
  };
}

/** "3 security events (1 critical)" / "2 security warnings". */
export function describeUnreviewed(u: UnreviewedEvents): string {
  const count = u.count >= MAX_COUNTED ? `${MAX_COUNTED}+` : String(u.count);
  const plural = u.count === 1 ? '' : 's';
  return u.critical > 0
    ? `${count} security event${plural} (${u.critical} critical)`
    : `${count} security warning${plural}`;
}
