/**
 * The report as tables: printed to the terminal and written as Markdown
 * (results/<timestamp>/results.md, latest.md, and the block in docs/benchmarks.md).
 */
import type { Results } from '../lib/results.js';
import { SCENARIO_LABELS } from '../sections/throughput.js';

interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  /** 'r' for numbers. */
  readonly align: readonly ('l' | 'r')[];
  readonly rows: readonly (readonly string[])[];
  readonly notes?: readonly string[];
}

const n = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const STATUS_MARK: Record<string, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  'not measured': 'not measured',
  'not available': 'not available',
};

export function tables(r: Results): Table[] {
  const out: Table[] = [];
  const s = r.settings;
  out.push({
    title: `Load on the token path — median of ${s.rounds} × ${s.durationS} s per row (autocannon in its own process with one V8 helper thread, loopback)`,
    headers: [
      'scenario',
      'conns',
      'req/s (2xx)',
      'p50 ms',
      'p97.5 ms',
      'p99 ms',
      'p99 after 1 s',
      'listener p50 / p99 ms',
      'non-2xx',
      'errors',
      'server CPU µs/req',
      'of which kernel',
      'peak RSS MiB',
      'other CPU %',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: r.throughput.map((t) => [
      SCENARIO_LABELS[t.scenario],
      String(t.connections),
      n(t.median.rps),
      n(t.median.p50),
      n(t.median.p97_5),
      n(t.median.p99),
      n(t.median.p99AfterStart),
      t.median.listenerP99 === null ? '—' : `${n(t.median.listenerP50, 1)} / ${n(t.median.listenerP99, 1)}`,
      n(t.median.non2xx),
      n(t.median.errors),
      n(t.median.cpuUsPerReq),
      n(t.median.cpuSysUsPerReq),
      n(t.median.peakRssMb),
      n(t.median.otherCpuPct),
    ]),
    notes: [
      'Latencies run from the request being queued in autocannon, but never from before its connection was ' +
        "attempted: autocannon queues each connection's first request while it is still creating the others, and " +
        "that wait is the load process's own (bench/load/connect-clock.ts). Longest such wait, median of the runs: " +
        r.throughput
          .map((t) => `${t.scenario}@${t.connections} ${n(t.median.beforeConnectingMaxMs)} ms`)
          .join(', ') +
        '.',
      "p99 after 1 s: the same load generator's p99 without each run's first second (a quarter of a shorter run), " +
        "when every connection has just opened and sent its first request. The budgets use the whole run's p99.",
      'listener p50 / p99: the same requests as the listener itself timed them (its access log), from being ' +
        'parsed to the answer handed to the socket — group commit and fsync included. What the load generator sees ' +
        "beyond that is waiting: in the kernel until the listener's one thread reads the request, and in the load process.",
      'server CPU: user + system time of the server process per response (/proc); "of which kernel": the system part. ' +
        "other CPU %: share of all CPUs used during the runs by everything else — other people's processes, and kernel " +
        "threads such as ext4's journal (fsync) and loopback networking; high means the row is noisy.",
    ]
      .concat(r.throughput.flatMap((t) => t.failures.map((f) => `${t.scenario}@${t.connections}: ${f}`)))
      .concat(
        r.throughput
          .filter((t) => t.median.non2xx > 0)
          .map((t) => {
            const sample = t.runs.find((m) => m.sampleError)?.sampleError;
            const codes = t.runs.reduce<Record<string, number>>((acc, m) => {
              for (const [c, k] of Object.entries(m.statusCodes))
                if (!c.startsWith('2')) acc[c] = (acc[c] ?? 0) + k;
              return acc;
            }, {});
            return `${t.scenario}@${t.connections} non-2xx: ${JSON.stringify(codes)}${sample ? ` e.g. ${sample.slice(0, 160)}` : ''}`;
          }),
      )
      .concat(
        r.throughput
          .filter((t) => t.median.errors > 0)
          .map((t) => {
            const timeouts = t.runs.reduce((k, m) => k + m.timeouts, 0);
            const overflows = t.runs.reduce((k, m) => k + (m.listenOverflows ?? 0), 0);
            const starved = t.runs.map((m) => m.perConnection?.min ?? '—').join('/');
            return (
              `${t.scenario}@${t.connections}: ${t.median.errors} errors over ${t.runs.length} runs, ${timeouts} of them timeouts ` +
              `(no answer within 10 s; autocannon then reconnects); fewest responses on one connection per run: ${starved}; ` +
              `listen-queue overflows: ${overflows}`
            );
          }),
      ),
  });
  out.push({
    title: 'Ratios (req/s), taken pair by pair within each round',
    headers: ['ratio', 'conns', 'per round', 'median'],
    align: ['l', 'r', 'l', 'r'],
    rows: r.ratios.map((x) => [
      `${x.numerator} / ${x.denominator}`,
      String(x.connections),
      x.perRound.map((v) => n(v, 2)).join(', ') || '—',
      `${n(x.median, 2)}×`,
    ]),
  });
  out.push({
    title: `Complete Alexa flows, all concurrent (authorize → approve with pairing code → code exchange → refresh)${s.flowsRuns > 1 ? ` — relaxed: the median of ${s.flowsRuns} bursts by p99` : ''}`,
    headers: [
      'rate limits',
      'flows',
      'completed',
      'errors',
      'p50 ms',
      'p97.5 ms',
      'p99 ms',
      'max ms',
      'wall s',
      'what failed',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    rows: r.flows.map((f) => {
      const x = f.result;
      const failed = x
        ? Object.entries(x.errorKinds)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([k, c]) => `${c}× ${k}`)
            .join('; ')
        : (f.error ?? '');
      return [
        f.limits === 'relaxed' ? 'relaxed (bench listener)' : 'shipped (ma-auth serve)',
        n(x?.flows),
        n(x?.completed),
        n(x?.errors),
        n(x?.latencyMs.p50),
        n(x?.latencyMs.p97_5),
        n(x?.latencyMs.p99),
        n(x?.latencyMs.max),
        n(x?.wallS, 1),
        failed || '—',
      ];
    }),
    notes: [
      ...r.flows
        .filter((f) => (f.runs?.length ?? 0) > 1)
        .map(
          (f) =>
            `${f.limits}: ${f.runs?.length} bursts, each on a fresh install and listener; the row is the one with the median p99. ` +
            `Every burst: ${f.runs?.map((b) => `p99 ${n(b.p99)} ms, ${n(b.completed)} completed, ${n(b.errors)} errors, listener CPU ${n(b.listenerCpuS, 2)} s`).join('; ')}`,
        ),
      ...r.flows
        .filter((f) => f.result)
        .map(
          (f) =>
            `${f.limits}: per-step p99 ${Object.entries(f.result?.stepP99Ms ?? {})
              .map(([k, v]) => `${k} ${n(v)} ms`)
              .join(
                ', ',
              )}; creating the ${f.result?.flows} pairings beforehand took ${n(f.result?.pairingSetupS, 1)} s (${f.result?.pairingErrors} refused); ` +
            `CPU time over the flows' ${n(f.result?.wallS, 2)} s: listener ${n(f.result?.listenerCpuS, 2)} s, flows process ${n(f.result?.clientCpuS, 2)} s; ` +
            `a flow is timed from its connection's attempt, which came ${n(f.result?.beforeConnectingMs?.p50)} ms (median; at most ${n(f.result?.beforeConnectingMs?.max)}) ` +
            'after the flows process set it up, while it set up the others (bench/flows/worker.ts)',
        ),
    ],
  });
  if (r.cli) {
    const c = r.cli;
    out.push({
      title:
        'CLI wall time (spawn to exit; link: spawn to the first QR block on stdout, listener spawned by link)',
      headers: ['command', 'median ms', 'runs', 'all runs ms'],
      align: ['l', 'r', 'r', 'l'],
      rows: (
        [
          ['ma-auth --help', c.help],
          ['ma-auth status', c.status],
          ['ma-auth link → QR', c.linkQr],
        ] as const
      ).map(([name, t]) => [
        name,
        n(t.medianMs),
        String(t.runsMs.length),
        t.error ? `error: ${t.error}` : t.runsMs.map((v) => n(v)).join(', '),
      ]),
    });
  }
  out.push({
    title: `Store size — rotating refresh, ${s.storeLoad.connections} connections, median of ${s.storeLoad.runs} × ${s.storeLoad.durationS} s`,
    headers: [
      'grants',
      'populate s',
      'store MiB',
      'req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'errors',
      'listener peak RSS MiB',
    ],
    align: ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: r.storeSize.map((x) => [
      n(x.grants),
      n(x.populateS, 1),
      n(x.dbSizeMb),
      n(x.rps),
      n(x.p50),
      n(x.p99),
      n(x.non2xx),
      n(x.errors),
      n(x.listenerPeakRssMb),
    ]),
    notes: r.storeSize.filter((x) => x.error).map((x) => `${x.grants}: ${x.error}`),
  });
  out.push({
    title: `Offline operations (wall time, median of ${s.opsRuns} runs; peak RSS from getrusage, the largest of the runs)`,
    headers: ['command', 'grants', 'wall ms', 'all runs ms', 'peak RSS MiB', 'status'],
    align: ['l', 'r', 'r', 'l', 'r', 'l'],
    rows: r.ops.map((o) => [
      `ma-auth ${o.command}`,
      n(o.grants),
      n(o.wallMs),
      o.runsMs?.map((v) => n(v)).join(', ') || '—',
      n(o.peakRssMb),
      !o.available ? 'not available (no such command in this build)' : (o.error ?? o.invocation ?? ''),
    ]),
    notes: r.ops
      .filter((o) => o.summary)
      .map((o) => `${o.command} @${n(o.grants)} said: ${o.summary?.slice(0, 240)}`),
  });
  if (r.profile) {
    out.push({
      title: `Profile: ma-auth refresh at ${s.connections[0]} connections under --cpu-prof (${n(r.profile.rps)} req/s while profiled; ${r.profile.file})`,
      headers: ['self %', 'function', 'where'],
      align: ['r', 'l', 'l'],
      rows: r.profile.top.slice(0, 15).map((f) => [n(f.selfPercent, 1), f.fn, f.where]),
    });
    out.push({
      title: 'Profile by file (self time)',
      headers: ['self %', 'file'],
      align: ['r', 'l'],
      rows: r.profile.byFile.slice(0, 10).map((f) => [n(f.selfPercent, 1), f.where]),
    });
  }
  out.push({
    title: `Budgets${s.mode === 'smoke' ? ' (smoke mode: indicative only — short runs, few connections)' : ''}`,
    headers: ['status', 'budget', 'measured', 'why'],
    align: ['l', 'l', 'l', 'l'],
    rows: r.budgets.map((b) => [STATUS_MARK[b.status] ?? b.status, b.text, b.measured, b.why ?? '']),
  });
  return out;
}

export function header(r: Results): string[] {
  const m = r.machine;
  const g = r.source.groupCommit;
  return [
    `ma-auth bench — ${r.settings.mode} mode, started ${r.startedAt}, took ${Math.round(r.elapsedS)} s`,
    `machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}, Linux ${m.kernel}, stores on ${m.storeFs}`,
    `disk: fsync'd one-row SQLite commits/s, probed between measurements — ${
      r.fsyncProbes.map((p) => `${p.label}: ${n(p.commitsPerS)}`).join(', ') || 'not probed'
    }`,
    `source: HEAD ${r.source.head}${r.source.uncommittedSrc.length ? ` + uncommitted changes in ${r.source.uncommittedSrc.length} src/ files` : ''}; group commit in the store: ${g.detected ? 'detected' : 'not detected'}${g.evidence.length ? ` (${g.evidence.slice(0, 3).join(' | ')})` : ''}`,
    ...(r.buildWarning ? [`build: ${r.buildWarning}`] : []),
  ];
}

export function renderText(r: Results): string {
  const lines = [...header(r), ''];
  for (const t of tables(r)) {
    lines.push(t.title);
    const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((row) => (row[i] ?? '').length)));
    const cell = (v: string, i: number) =>
      t.align[i] === 'r' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0);
    lines.push(`  ${t.headers.map(cell).join('  ')}`.trimEnd());
    lines.push(`  ${widths.map((w) => '─'.repeat(w)).join('  ')}`);
    for (const row of t.rows) lines.push(`  ${row.map(cell).join('  ')}`.trimEnd());
    for (const note of t.notes ?? []) lines.push(`  · ${note}`);
    lines.push('');
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}

export function renderMarkdown(r: Results, options: { headingLevel?: number; chart?: string } = {}): string {
  const h = '#'.repeat(options.headingLevel ?? 2);
  const esc = (v: string) => v.replace(/\|/g, '\\|');
  const lines = header(r).map((l) => `- ${esc(l)}`);
  lines.push('');
  if (options.chart) lines.push(`![throughput and p99](${options.chart})`, '');
  for (const t of tables(r)) {
    lines.push(`${h} ${t.title}`, '');
    lines.push(`| ${t.headers.map(esc).join(' | ')} |`);
    lines.push(`|${t.align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`);
    for (const row of t.rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
    if (t.notes?.length) lines.push('', ...t.notes.map((note) => `- ${esc(note)}`));
    lines.push('');
  }
  if (r.notes.length) lines.push(`${h} Notes`, '', ...r.notes.map((note) => `- ${esc(note)}`), '');
  return lines.join('\n');
}
