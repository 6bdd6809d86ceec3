/** `ma-auth status`'s one line about serious audit events the owner has not looked at (src/ops/audit-review.ts). */
import { describeUnreviewed, type UnreviewedEvents } from '../../../ops/audit-review.js';
import { relativeTime } from '../../render/time.js';

export { type UnreviewedEvents, unreviewedEvents } from '../../../ops/audit-review.js';

export function renderUnreviewed(u: UnreviewedEvents, now: number): string {
  const newest = `${u.newestKind}, ${relativeTime(Date.parse(u.newestAt), now)}`;
  return `warning     ${describeUnreviewed(u)} since you last ran ma-auth audit (newest: ${newest}). Run: ma-auth audit`;
}
