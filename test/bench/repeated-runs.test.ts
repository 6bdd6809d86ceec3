/**
 * The bench runs each offline operation and the flows' burst several times
 * (settings.opsRuns, flowsRuns): how those runs become one row and one
 * budget — the median stands for them, a failure or error in any run counts.
 */
import { describe, expect, it } from 'vitest';
import type { FlowsResult } from '../../bench/flows/worker.js';
import type { FlowsRow, OpsRow, Results } from '../../bench/lib/results.js';
import { FULL } from '../../bench/lib/settings.js';
import { checkBudgets } from '../../bench/report/budgets.js';
import { combineFlowRuns } from '../../bench/sections/flows.js';
import { combineOpRuns } from '../../bench/sections/ops.js';

const op = (wallMs: number | null, peakRssMb: number | null, error?: string): OpsRow => ({
  command: 'restore',
  grants: 100_000,
  available: true,
  wallMs,
  peakRssMb,
  invocation: 'ma-auth restore b.backup --yes',
  summary: error ? null : `{"ran":${wallMs}}`,
  ...(error ? { error } : {}),
});

const burst = (p99: number, completed = 1000, errors = 0): FlowsResult => ({
  flows: 1000,
  completed,
  errors,
  errorKinds: errors ? { 'approve 500: x': errors } : {},
  latencyMs: { p50: p99 - 20, p97_5: p99 - 5, p99, max: p99 + 1 },
  beforeConnectingMs: { count: completed, p50: 90, max: 100 },
  stepP99Ms: { authorize: 300, approve: 300, code_exchange: 200, refresh: 200 },
  wallS: p99 / 1000,
  listenerCpuS: 1,
  clientCpuS: 0.8,
  pairingSetupS: 0.4,
  pairingErrors: 0,
});

function budgetsFor(flows: FlowsRow[], ops: OpsRow[]) {
  const input = {
    settings: FULL,
    throughput: [],
    ratios: [],
    flows,
    cli: null,
    storeSize: [],
    ops,
    profile: null,
    notes: [],
    fsyncProbes: [],
  } as unknown as Omit<Results, 'budgets' | 'rows' | 'finishedAt' | 'elapsedS'>;
  return Object.fromEntries(checkBudgets(input).map((b) => [b.id, b]));
}

describe('combineOpRuns', () => {
  it('takes the median wall time and the largest peak RSS, and keeps every run', () => {
    const row = combineOpRuns([op(5400, 200), op(4100, 215), op(4600, 190)]);
    expect(row.wallMs).toBe(4600);
    expect(row.runsMs).toEqual([5400, 4100, 4600]);
    expect(row.peakRssMb).toBe(215);
    expect(row.error).toBeUndefined();
    expect(row.summary).toBe('{"ran":4600}');
  });

  it('has no wall time when any run failed, and says why', () => {
    const row = combineOpRuns([op(4100, 200), op(null, 180, 'exit 1: database is locked')]);
    expect(row.wallMs).toBeNull();
    expect(row.error).toBe('exit 1: database is locked');
    expect(row.runsMs).toEqual([4100]);
  });
});

describe('combineFlowRuns', () => {
  it('stands for the bursts with the one of median p99, and lists them all', () => {
    const row = combineFlowRuns('relaxed', [burst(1040), burst(880), burst(930)]);
    expect(row.result?.latencyMs.p99).toBe(930);
    expect(row.runs?.map((r) => r.p99)).toEqual([1040, 880, 930]);
    expect(row.error).toBeUndefined();
  });

  it('takes the slower middle burst of an even count', () => {
    expect(combineFlowRuns('relaxed', [burst(990), burst(700)]).result?.latencyMs.p99).toBe(990);
  });

  it('is an error, with the bursts that did run, when one could not run', () => {
    const row = combineFlowRuns('relaxed', [burst(800)], 'the flows process exited');
    expect(row.result).toBeNull();
    expect(row.error).toBe('the flows process exited');
    expect(row.runs).toHaveLength(1);
  });
});

describe('budgets over repeated runs', () => {
  it('judge the median burst, and count an error in any burst', () => {
    const clean = budgetsFor([combineFlowRuns('relaxed', [burst(1040), burst(880), burst(930)])], []);
    expect(clean['flows-p99']?.status).toBe('pass');
    expect(clean['flows-p99']?.measured).toContain('1,040');
    expect(clean['flows-errors']?.status).toBe('pass');

    // The median burst (930 ms) is clean; the slowest one lost a flow.
    const lost = budgetsFor([combineFlowRuns('relaxed', [burst(1040, 999, 1), burst(880), burst(930)])], []);
    expect(lost['flows-p99']?.measured).toMatch(/^930 ms/);
    expect(lost['flows-errors']?.status).toBe('fail');
    const slow = budgetsFor([combineFlowRuns('relaxed', [burst(1040), burst(1010), burst(930)])], []);
    expect(slow['flows-p99']?.status).toBe('fail');
  });

  it('judge the median run of an operation, and none when a run failed', () => {
    const small = { ...op(900, 200), grants: 1_000 };
    const pass = budgetsFor([], [small, combineOpRuns([op(5400, 200), op(4100, 205), op(4600, 190)])]);
    expect(pass['ops-restore']?.status).toBe('pass');
    expect(pass['ops-restore']?.measured).toContain('5,400');
    expect(pass['rss-restore']?.measured).toBe('+5.0 MiB');
    const fail = budgetsFor([], [small, combineOpRuns([op(5400, 200), op(5100, 205), op(4600, 190)])]);
    expect(fail['ops-restore']?.status).toBe('fail');
    const broken = budgetsFor([], [small, combineOpRuns([op(4100, 200), op(null, null, 'exit 1')])]);
    expect(broken['ops-restore']?.status).toBe('not measured');
  });
});
