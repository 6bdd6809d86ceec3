/** The report flattened to rows: what the smoke test checks, and what the tables print. */
import type { Results, Row } from '../lib/results.js';

export function flattenRows(r: Omit<Results, 'rows' | 'budgets' | 'finishedAt' | 'elapsedS'>): Row[] {
  const rows: Row[] = [];
  for (const t of r.throughput) {
    const m = t.median;
    rows.push({
      section: 'throughput',
      name: `${t.scenario} @${t.connections}`,
      status: t.runs.length > 0 ? 'measured' : 'error',
      metrics: {
        rps: m.rps,
        p50: m.p50,
        p97_5: m.p97_5,
        p99: m.p99,
        p99AfterStart: m.p99AfterStart,
        beforeConnectingMaxMs: m.beforeConnectingMaxMs,
        non2xx: m.non2xx,
        errors: m.errors,
        cpuUsPerReq: m.cpuUsPerReq,
        cpuSysUsPerReq: m.cpuSysUsPerReq,
        otherCpuPct: m.otherCpuPct,
        peakRssMb: m.peakRssMb,
        // Only servers that log their requests (ma-auth) have a listener-side latency.
        ...(m.listenerP99 !== null ? { listenerP50: m.listenerP50, listenerP99: m.listenerP99 } : {}),
      },
      ...(t.failures.length ? { note: t.failures.join('; ') } : {}),
    });
  }
  for (const x of r.ratios) {
    rows.push({
      section: 'ratio',
      name: `${x.numerator}/${x.denominator} @${x.connections}`,
      status: x.median === null ? 'error' : 'measured',
      metrics: { median: x.median },
    });
  }
  for (const f of r.flows) {
    const res = f.result;
    rows.push({
      section: 'flows',
      name: `flows (${f.limits} limits)`,
      status: res ? 'measured' : 'error',
      metrics: res
        ? {
            flows: res.flows,
            completed: res.completed,
            errors: res.errors,
            wallS: res.wallS,
            clientCpuS: res.clientCpuS,
            ...(res.listenerCpuS !== null ? { listenerCpuS: res.listenerCpuS } : {}),
            // With the shipped limits most flows fail by design: their latency is not the point.
            ...(f.limits === 'relaxed'
              ? {
                  p50: res.latencyMs.p50,
                  p97_5: res.latencyMs.p97_5,
                  p99: res.latencyMs.p99,
                  max: res.latencyMs.max,
                }
              : {}),
          }
        : {},
      ...(f.error ? { note: f.error } : {}),
    });
  }
  if (r.cli) {
    for (const [name, t] of Object.entries({
      'ma-auth --help': r.cli.help,
      'ma-auth status': r.cli.status,
      'ma-auth link → QR': r.cli.linkQr,
    })) {
      rows.push({
        section: 'cli',
        name,
        status: t.error || t.medianMs === null ? 'error' : 'measured',
        metrics: { medianMs: t.medianMs, runs: t.runsMs.length },
        ...(t.error ? { note: t.error } : {}),
      });
    }
  } else {
    rows.push({ section: 'cli', name: 'cli', status: 'error', metrics: {}, note: 'not run' });
  }
  for (const s of r.storeSize) {
    rows.push({
      section: 'store-size',
      name: `${s.grants} grants`,
      status: s.error ? 'error' : 'measured',
      metrics: {
        populateS: s.populateS,
        dbSizeMb: s.dbSizeMb,
        rps: s.rps,
        p50: s.p50,
        p99: s.p99,
        non2xx: s.non2xx,
        errors: s.errors,
        listenerPeakRssMb: s.listenerPeakRssMb,
      },
      ...(s.error ? { note: s.error } : {}),
    });
  }
  for (const o of r.ops) {
    rows.push({
      section: 'ops',
      name: `${o.command} @${o.grants}`,
      status: !o.available ? 'not available' : o.error ? 'error' : 'measured',
      metrics: o.available ? { wallMs: o.wallMs, runs: o.runsMs?.length ?? 0, peakRssMb: o.peakRssMb } : {},
      ...(o.error ? { note: o.error } : o.invocation ? { note: o.invocation } : {}),
    });
  }
  return rows;
}
