/** Serious audit events the owner has not looked at since the last `ma-auth audit`. */
import { describeUnreviewed, unreviewedEvents } from '../../audit-review.js';
import { type Check, ok, problem, skipped, warning } from '../check.js';

export const securityEventsCheck: Check = {
  id: 'security-events',
  title: 'security events',
  async run(ctx) {
    const store = await ctx.store();
    if (!store.ok) return skipped('needs a sound store');
    const u = await unreviewedEvents(store.value.store);
    const since = (await store.value.store.auditReviewedAt()) === null ? 'set-up' : 'your last ma-auth audit';
    if (!u) return ok(`no warning or critical events since ${since}`);
    const what = `${describeUnreviewed(u)} since ${since} (newest: ${u.newestKind} at ${u.newestAt})`;
    const fix =
      'Review them: ma-auth audit --severity warning (this also marks them as seen); ' +
      'docs/troubleshooting.md says what each means and what to do.';
    return u.critical > 0 ? problem(what, fix) : warning(what, fix);
  },
};
