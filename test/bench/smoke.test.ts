/**
 * The bench's smoke mode runs every part briefly; this keeps it working.
 * It checks that each part produced numbers — never how good they are: the
 * budgets are the bench's to print, not this suite's to assert (timing on a
 * shared CI machine is not a test).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Results } from '../../bench/lib/results.js';
import { afterStartMs } from '../../bench/load/spec.js';
import { ROOT } from '../support/paths.js';

const out = mkdtempSync(join(tmpdir(), 'ma-auth-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function runSmoke(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', './bench/support/resolve.mjs', 'bench/run.ts', '--smoke', '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm run bench -- --smoke', () => {
  it('runs every part and reports numbers for each row', { timeout: 88_000 }, async () => {
    const { code, output } = await runSmoke();
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    const context = `bench output (exit ${code}):\n${output.slice(-4000)}`;

    // Every part is there.
    const count = (section: string) => results.rows.filter((r) => r.section === section).length;
    expect(count('throughput'), context).toBe(12); // 6 scenarios × 2 connection counts
    expect(count('ratio'), context).toBe(6);
    expect(count('flows'), context).toBe(2);
    expect(count('cli'), context).toBe(3);
    expect(count('store-size'), context).toBe(results.settings.storeSizes.length);
    expect(count('ops'), context).toBe(4 * results.settings.opsSizes.length);

    // Every row measured, with a number in every field; only a command not built yet may be "not available".
    for (const row of results.rows) {
      expect(row.status, `${row.section} ${row.name}: ${row.note ?? ''}\n${context}`).not.toBe('error');
      if (row.status === 'not available') {
        expect(row.section, row.name).toBe('ops');
        continue;
      }
      expect(Object.keys(row.metrics).length, row.name).toBeGreaterThan(0);
      for (const [metric, value] of Object.entries(row.metrics)) {
        expect(Number.isFinite(value), `${row.section} ${row.name} ${metric} = ${value}`).toBe(true);
      }
    }

    // ma-auth's rows say how much of their latency was the listener's own, and the flows its CPU time.
    for (const row of results.rows.filter(
      (r) => r.section === 'throughput' && r.name.startsWith('ma-auth'),
    )) {
      expect(row.metrics.listenerP99, row.name).toBeTypeOf('number');
    }
    // Each run's latency is also given without its start: some of its responses, not all.
    for (const t of results.throughput) {
      for (const run of t.runs) {
        expect(run.afterStart.skippedMs, t.scenario).toBe(afterStartMs(results.settings.durationS));
        expect(run.afterStart.count, t.scenario).toBeGreaterThan(0);
        expect(run.afterStart.count, t.scenario).toBeLessThan(run.responses);
        expect(run.afterStart.p99, t.scenario).toBeTypeOf('number');
        // Every connection's first request was re-timed from its connection's attempt (connect-clock.ts).
        expect(run.beforeConnecting.count, t.scenario).toBeGreaterThanOrEqual(t.connections);
        expect(run.beforeConnecting.max, t.scenario).toBeGreaterThanOrEqual(0);
      }
    }
    for (const row of results.rows.filter((r) => r.section === 'flows')) {
      expect(row.metrics.listenerCpuS, row.name).toBeGreaterThan(0);
    }
    // Each completed flow was timed from its own connection's attempt.
    const relaxed = results.flows.find((f) => f.limits === 'relaxed')?.result;
    expect(relaxed?.completed, context).toBeGreaterThan(0);
    expect(relaxed?.beforeConnectingMs.count, context).toBe(relaxed?.completed);
    expect(relaxed?.beforeConnectingMs.p50, context).toBeGreaterThanOrEqual(0);
    expect(relaxed?.beforeConnectingMs.max, context).toBeGreaterThanOrEqual(0);

    // Budgets are judged, and never "pass" without a measurement.
    expect(results.budgets.length).toBeGreaterThan(10);
    for (const b of results.budgets) {
      expect(['pass', 'fail', 'not measured', 'not available']).toContain(b.status);
      if (b.status === 'pass') expect(b.measured, b.id).not.toBe('—');
    }
    expect(code, context).toBe(0);
  });
});
