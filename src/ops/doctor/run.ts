/**
 * `ma-auth doctor` as an operation: every check, in an order where each
 * builds on the ones before (config → key → store → …), each reported even
 * when another failed. A check that throws is reported as a problem, never
 * ends the run.
 */
import type { Check, CheckResult } from './check.js';
import { clockCheck } from './checks/clock.js';
import { configCheck } from './checks/config.js';
import { keyCheck } from './checks/key.js';
import { legacyCheck } from './checks/legacy.js';
import { listenerCheck } from './checks/listener.js';
import { permissionsCheck } from './checks/permissions.js';
import { publicUrlCheck } from './checks/public-url.js';
import { redirectUrisCheck } from './checks/redirect-uris.js';
import { securityEventsCheck } from './checks/security-events.js';
import { storeCheck } from './checks/store.js';
import { type DoctorDeps, doctorContext } from './context.js';

export type { CheckResult, CheckStatus } from './check.js';
export type { DoctorDeps } from './context.js';

export const CHECKS: readonly Check[] = [
  configCheck,
  keyCheck,
  storeCheck,
  listenerCheck,
  publicUrlCheck,
  redirectUrisCheck,
  clockCheck,
  permissionsCheck,
  legacyCheck,
  securityEventsCheck,
];

export async function runDoctor(deps: DoctorDeps, checks: readonly Check[] = CHECKS): Promise<CheckResult[]> {
  const ctx = doctorContext(deps);
  const results: CheckResult[] = [];
  try {
    for (const check of checks) {
      try {
        results.push({ id: check.id, title: check.title, ...(await check.run(ctx)) });
      } catch (err) {
        results.push({
          id: check.id,
          title: check.title,
          status: 'problem',
          summary: `the check itself failed: ${(err as Error)?.message ?? String(err)}`,
          fix: 'Fix the problems above first, then run ma-auth doctor again; MA_AUTH_DEBUG=1 shows more.',
        });
      }
    }
  } finally {
    await ctx.close();
  }
  return results;
}
