/**
 * The budgets, checked against one run's results. A budget whose measurement
 * is missing is "not measured" (or "not available" when the command does not
 * exist yet) — never "pass".
 */
import type { Budget, BudgetStatus, Results, ScenarioId } from '../lib/results.js';

/** "Peak RSS not growing with store size beyond a constant": this constant. */
export const RSS_GROWTH_LIMIT_MB = 32;

type Input = Omit<Results, 'budgets' | 'rows' | 'finishedAt' | 'elapsedS'>;

const fmt = (v: number, digits = 0) =>
  v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function check(
  id: string,
  text: string,
  value: number | null,
  ok: (v: number) => boolean,
  show: (v: number) => string,
  why?: string,
): Budget {
  if (value === null || !Number.isFinite(value))
    return { id, text, measured: '—', status: 'not measured', ...(why ? { why } : {}) };
  const status: BudgetStatus = ok(value) ? 'pass' : 'fail';
  return { id, text, measured: show(value), status };
}

export function checkBudgets(r: Input): Budget[] {
  const [low, high] = r.settings.connections;
  const row = (scenario: ScenarioId, connections: number) =>
    r.throughput.find((t) => t.scenario === scenario && t.connections === connections);
  const budgets: Budget[] = [];

  const ratio = r.ratios.find(
    (x) =>
      x.connections === low && x.numerator === 'ma-auth-refresh' && x.denominator === 'oidc-refresh-rotating',
  );
  budgets.push(
    check(
      'refresh-vs-peer',
      `durable rotating refresh ≥ 2× oidc-provider's in-memory rotating refresh (same run, ${low} connections)`,
      ratio?.median ?? null,
      (v) => v >= 2,
      (v) => `${fmt(v, 2)}×`,
    ),
  );
  const highRow = row('ma-auth-refresh', high);
  const failed = highRow && highRow.runs.length > 0 ? highRow.median.non2xx + highRow.median.errors : null;
  budgets.push(
    check(
      'refresh-high-non2xx',
      `ma-auth refresh at ${high} connections: zero non-2xx (socket errors and timeouts count too)`,
      failed,
      (v) => v === 0,
      () => `${highRow?.median.non2xx} non-2xx, ${highRow?.median.errors} errors`,
    ),
  );
  for (const scenario of ['ma-auth-refresh', 'ma-auth-introspect'] as const) {
    for (const [connections, limit] of [
      [low, 50],
      [high, 250],
    ] as const) {
      const median = row(scenario, connections)?.median;
      const own = median?.listenerP99 ?? null;
      const later = median?.p99AfterStart ?? null;
      budgets.push(
        check(
          `p99-${scenario}-${connections}`,
          `${scenario === 'ma-auth-refresh' ? 'refresh' : 'introspection'} p99 ≤ ${limit} ms at ${connections} connections`,
          median?.p99 ?? null,
          (v) => v <= limit,
          (v) => {
            const beside = [
              later === null ? null : `without the runs' first second: ${fmt(later)} ms`,
              own === null ? null : `the listener's own p99: ${fmt(own, 1)} ms`,
            ].filter((x) => x !== null);
            return `${fmt(v)} ms${beside.length > 0 ? ` (${beside.join('; ')})` : ''}`;
          },
        ),
      );
    }
  }

  const relaxed = r.flows.find((f) => f.limits === 'relaxed');
  const flows = relaxed?.result ?? null;
  // Every burst's errors count; flows that neither completed nor failed are errors too.
  // combineFlowRuns (sections/flows.ts) lists every burst whenever it has a result.
  const bursts = relaxed?.runs ?? [];
  const flowErrors = bursts.reduce((sum, b) => sum + r.settings.flows - b.completed, 0);
  const burstsText = bursts.length > 1 ? ` over ${bursts.length} bursts` : '';
  budgets.push(
    check(
      'flows-errors',
      `${r.settings.flows} concurrent full flows: 0 errors`,
      flows ? flowErrors : null,
      (v) => v === 0,
      () =>
        `${bursts.map((b) => b.completed).join(', ')} of ${r.settings.flows} completed${burstsText}, ` +
        `${bursts.reduce((sum, b) => sum + b.errors, 0)} errors`,
      relaxed?.error,
    ),
  );
  budgets.push(
    check(
      'flows-p99',
      `${r.settings.flows} concurrent full flows: p99 per flow < 1 s${bursts.length > 1 ? ` (the median burst of ${bursts.length})` : ''}`,
      flows?.latencyMs.p99 ?? null,
      (v) => v < 1000,
      (v) =>
        `${fmt(v)} ms${bursts.length > 1 ? ` (bursts: ${bursts.map((b) => (b.p99 === null ? '—' : fmt(b.p99))).join(', ')} ms)` : ''}` +
        `${flows?.listenerCpuS == null ? '' : ` (listener CPU over the flows' ${fmt(flows.wallS, 2)} s: ${fmt(flows.listenerCpuS, 2)} s)`}`,
      relaxed?.error,
    ),
  );

  budgets.push(
    check(
      'help',
      '`ma-auth --help` < 150 ms',
      r.cli?.help.medianMs ?? null,
      (v) => v < 150,
      (v) => `${fmt(v)} ms`,
    ),
  );
  budgets.push(
    check(
      'link-qr',
      '`ma-auth link`: QR on screen < 1 s, spawning the listener included',
      r.cli?.linkQr.medianMs ?? null,
      (v) => v < 1000,
      (v) => `${fmt(v)} ms`,
    ),
  );

  const sizes = r.storeSize.filter((s) => s.p99 !== null);
  const smallest = r.storeSize[0];
  const largest = r.storeSize[r.storeSize.length - 1];
  const grown =
    smallest?.p99 != null && largest?.p99 != null && sizes.length >= 2
      ? largest.p99 / Math.max(1, smallest.p99)
      : null;
  budgets.push(
    check(
      'store-p99',
      `refresh p99 at ${fmt(largest?.grants ?? 0)} grants within 2× of ${fmt(smallest?.grants ?? 0)} grants`,
      grown,
      (v) => v <= 2,
      (v) => `${fmt(largest?.p99 ?? 0)} vs ${fmt(smallest?.p99 ?? 0)} ms (${fmt(v, 2)}×)`,
    ),
  );
  const rssGrowth =
    smallest?.listenerPeakRssMb != null && largest?.listenerPeakRssMb != null
      ? largest.listenerPeakRssMb - smallest.listenerPeakRssMb
      : null;
  budgets.push(
    check(
      'rss-listener',
      `listener peak RSS at ${fmt(largest?.grants ?? 0)} grants ≤ ${fmt(smallest?.grants ?? 0)} grants + ${RSS_GROWTH_LIMIT_MB} MiB`,
      rssGrowth,
      (v) => v <= RSS_GROWTH_LIMIT_MB,
      (v) => `${v >= 0 ? '+' : ''}${fmt(v, 1)} MiB`,
    ),
  );

  const [opsSmall, opsLarge] = r.settings.opsSizes;
  for (const command of ['backup', 'restore', 'rotate-key', 'migrate'] as const) {
    const large = r.ops.find((o) => o.command === command && o.grants === opsLarge);
    const small = r.ops.find((o) => o.command === command && o.grants === opsSmall);
    const unavailable = (id: string, text: string): Budget => ({
      id,
      text,
      measured: '—',
      status: 'not available',
      why: `\`ma-auth ${command}\` does not exist in this build`,
    });
    const runsText = (large?.runsMs?.length ?? 0) > 1 ? ` (median of ${large?.runsMs?.length} runs)` : '';
    const timeText = `\`ma-auth ${command}\` at ${fmt(opsLarge)} grants < 5 s${runsText}`;
    const rssText = `\`ma-auth ${command}\` peak RSS at ${fmt(opsLarge)} grants ≤ ${fmt(opsSmall)} grants + ${RSS_GROWTH_LIMIT_MB} MiB`;
    if (!large?.available) {
      budgets.push(unavailable(`ops-${command}`, timeText), unavailable(`rss-${command}`, rssText));
      continue;
    }
    budgets.push(
      check(
        `ops-${command}`,
        timeText,
        large.wallMs,
        (v) => v < 5000,
        (v) => `${fmt(v)} ms${runsText ? ` (runs: ${large.runsMs?.map((x) => fmt(x)).join(', ')} ms)` : ''}`,
        large.error,
      ),
    );
    const growth =
      large.peakRssMb !== null && small?.peakRssMb != null ? large.peakRssMb - small.peakRssMb : null;
    budgets.push(
      check(
        `rss-${command}`,
        rssText,
        large.error ? null : growth,
        (v) => v <= RSS_GROWTH_LIMIT_MB,
        (v) => `${v >= 0 ? '+' : ''}${fmt(v, 1)} MiB`,
        large.error,
      ),
    );
  }
  return budgets;
}
