/**
 * The chart: throughput and p99 of the three servers (bare node:http,
 * oidc-provider rotating refresh, ma-auth rotating durable refresh) at both
 * connection counts, as hand-written SVG (no dependencies). Linear scales,
 * every bar labelled with its value.
 */
import type { Results, ScenarioId } from '../lib/results.js';

const SERIES: readonly { id: ScenarioId; label: string; color: string }[] = [
  { id: 'bare', label: 'bare node:http', color: '#9aa0a6' },
  { id: 'oidc-refresh-rotating', label: 'oidc-provider refresh (rotating, in memory)', color: '#4e79a7' },
  { id: 'ma-auth-refresh', label: 'ma-auth refresh (rotating, durable)', color: '#e8743b' },
];

const W = 880;
const H = 380;
const PANEL_W = 380;
const PANEL_H = 230;
const TOP = 70;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)}k` : Math.round(v).toLocaleString('en'));

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function panel(
  r: Results,
  x0: number,
  title: string,
  value: (scenario: ScenarioId, connections: number) => number | null,
): string {
  const groups = r.settings.connections;
  const values = groups.flatMap((c) => SERIES.map((s) => value(s.id, c) ?? 0));
  const max = niceMax(Math.max(...values));
  const out: string[] = [];
  out.push(`<text x="${x0}" y="${TOP - 16}" class="title">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = TOP + PANEL_H - (PANEL_H * i) / 4;
    out.push(`<line x1="${x0 + 40}" x2="${x0 + PANEL_W}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${x0 + 34}" y="${y + 4}" class="axis" text-anchor="end">${fmt((max * i) / 4)}</text>`);
  }
  const groupW = (PANEL_W - 50) / groups.length;
  const barW = Math.min(44, (groupW - 30) / SERIES.length);
  groups.forEach((connections, g) => {
    const gx = x0 + 50 + g * groupW + (groupW - barW * SERIES.length) / 2;
    SERIES.forEach((s, i) => {
      const v = value(s.id, connections);
      const x = gx + i * barW;
      if (v === null) {
        out.push(
          `<text x="${x + barW / 2}" y="${TOP + PANEL_H - 4}" class="label" text-anchor="middle">n/a</text>`,
        );
        return;
      }
      const h = (PANEL_H * v) / max;
      const y = TOP + PANEL_H - h;
      out.push(
        `<rect x="${x + 2}" y="${y.toFixed(1)}" width="${barW - 4}" height="${h.toFixed(1)}" fill="${s.color}"/>`,
      );
      out.push(
        `<text x="${x + barW / 2}" y="${(y - 4).toFixed(1)}" class="label" text-anchor="middle">${fmt(v)}</text>`,
      );
    });
    out.push(
      `<text x="${gx + (barW * SERIES.length) / 2}" y="${TOP + PANEL_H + 18}" class="axis" text-anchor="middle">${connections} connections</text>`,
    );
  });
  return out.join('\n');
}

export function renderChart(r: Results): string {
  const row = (scenario: ScenarioId, connections: number) =>
    r.throughput.find((t) => t.scenario === scenario && t.connections === connections && t.runs.length > 0)
      ?.median ?? null;
  const legend = SERIES.map((s, i) => {
    const x = 40 + i * 280;
    return `<rect x="${x}" y="${H - 34}" width="12" height="12" fill="${s.color}"/><text x="${x + 18}" y="${H - 24}" class="axis">${esc(s.label)}</text>`;
  }).join('\n');
  const when = r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" role="img">
<title>Throughput and p99 latency: bare node:http, oidc-provider, ma-auth (${esc(when)})</title>
<style>
.title { font-size: 14px; font-weight: 600; fill: #222; }
.axis { font-size: 11px; fill: #444; }
.label { font-size: 10px; fill: #222; }
.grid { stroke: #e3e3e3; stroke-width: 1; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="24" class="title">ma-auth bench: token path on loopback (${esc(r.settings.mode)} mode, ${esc(when)}, ${r.machine.nproc} CPUs, Node ${esc(r.machine.node)})</text>
${panel(r, 20, 'Throughput, 2xx req/s (higher is better)', (s, c) => row(s, c)?.rps ?? null)}
${panel(r, 460, 'p99 latency, ms (lower is better)', (s, c) => row(s, c)?.p99 ?? null)}
${legend}
</svg>
`;
}
