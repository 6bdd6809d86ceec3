/** The shape of results/<timestamp>/results.json (and latest.json). */

import type { FlowsResult } from '../flows/worker.js';
import type { Measurement } from '../load/run-load.js';
import type { Machine, SourceState } from './machine.js';
import type { Settings } from './settings.js';

export type ScenarioId =
  | 'bare'
  | 'oidc-refresh-rotating'
  | 'oidc-refresh-non-rotating'
  | 'oidc-client-credentials'
  | 'ma-auth-refresh'
  | 'ma-auth-introspect';

export interface Summary {
  /** 2xx per second. */
  readonly rps: number | null;
  readonly p50: number | null;
  readonly p97_5: number | null;
  readonly p99: number | null;
  /** p99 without each run's first second (load/spec.ts afterStartMs). */
  readonly p99AfterStart: number | null;
  /**
   * The longest any request waited in the load process before its connection
   * was attempted (not in the latencies; load/connect-clock.ts), median over runs.
   */
  readonly beforeConnectingMaxMs: number | null;
  /** Summed over runs, not a median: one is too many. */
  readonly non2xx: number;
  readonly errors: number;
  readonly cpuUsPerReq: number | null;
  readonly cpuSysUsPerReq: number | null;
  readonly peakRssMb: number | null;
  /** CPU share (all cores) taken by other processes and kernel threads during the runs: the noise. */
  readonly otherCpuPct: number | null;
  /** The server's own p50/p99 (its access log; ma-auth only, else null). */
  readonly listenerP50: number | null;
  readonly listenerP99: number | null;
}

export interface ThroughputRow {
  readonly scenario: ScenarioId;
  readonly label: string;
  readonly connections: number;
  readonly runs: readonly Measurement[];
  readonly median: Summary;
  readonly failures: readonly string[];
}

export interface Ratio {
  readonly connections: number;
  readonly numerator: ScenarioId;
  readonly denominator: ScenarioId;
  /** ma-auth rps / other rps, round by round (the runs of one round are minutes apart at most). */
  readonly perRound: readonly number[];
  readonly median: number | null;
}

export interface FlowsRow {
  /** `relaxed`: the bench listener's limits (servers/ma-auth.ts); `shipped`: the defaults `ma-auth serve` runs with. */
  readonly limits: 'relaxed' | 'shipped';
  /** The burst with the median p99 (of `runs`; of an even count, the slower middle one). */
  readonly result: FlowsResult | null;
  /** Every burst, in the order run (one for the shipped limits). */
  readonly runs?: readonly FlowsRunSummary[];
  readonly error?: string;
}

export interface FlowsRunSummary {
  readonly completed: number;
  readonly errors: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly wallS: number;
  readonly listenerCpuS: number | null;
}

export interface Timing {
  readonly runsMs: readonly number[];
  readonly medianMs: number | null;
  readonly error?: string;
}

export interface CliResults {
  readonly help: Timing;
  readonly status: Timing;
  /** From spawning `ma-auth link` (no listener running) to the first QR block character on its stdout. */
  readonly linkQr: Timing;
}

export interface StoreSizeRow {
  readonly grants: number;
  readonly populateS: number | null;
  readonly dbSizeMb: number | null;
  readonly rps: number | null;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly non2xx: number | null;
  readonly errors: number | null;
  readonly listenerPeakRssMb: number | null;
  readonly error?: string;
}

export interface OpsRow {
  readonly command: 'backup' | 'restore' | 'rotate-key' | 'migrate';
  readonly grants: number;
  readonly available: boolean;
  /** Median over `runsMs`; null when any run failed. */
  readonly wallMs: number | null;
  /** Every run's wall time, in the order run (settings.opsRuns). */
  readonly runsMs?: readonly number[];
  /** The largest over the runs. */
  readonly peakRssMb: number | null;
  readonly invocation: string | null;
  /** The command's own report (its --json output), shortened: evidence it did the work. */
  readonly summary?: string | null;
  readonly error?: string;
}

export type BudgetStatus = 'pass' | 'fail' | 'not measured' | 'not available';

export interface Budget {
  readonly id: string;
  readonly text: string;
  readonly measured: string;
  readonly status: BudgetStatus;
  readonly why?: string;
}

/** One line of the report, flattened: what the smoke test checks has numbers. */
export interface Row {
  readonly section: 'throughput' | 'ratio' | 'flows' | 'cli' | 'store-size' | 'ops';
  readonly name: string;
  readonly status: 'measured' | 'not available' | 'error';
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly note?: string;
}

export interface FsyncProbe {
  readonly label: string;
  readonly at: string;
  readonly commitsPerS: number | null;
}

export interface ProfileFrame {
  readonly selfPercent: number;
  readonly fn: string;
  readonly where: string;
}

export interface Results {
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly elapsedS: number;
  readonly settings: Settings;
  readonly machine: Machine;
  readonly source: SourceState;
  readonly buildWarning: string | null;
  readonly throughput: readonly ThroughputRow[];
  readonly ratios: readonly Ratio[];
  readonly flows: readonly FlowsRow[];
  readonly cli: CliResults | null;
  readonly storeSize: readonly StoreSizeRow[];
  readonly ops: readonly OpsRow[];
  readonly profile: {
    readonly top: readonly ProfileFrame[];
    readonly byFile: readonly ProfileFrame[];
    readonly file: string;
    readonly rps: number | null;
  } | null;
  readonly notes: readonly string[];
  /**
   * fsync'd one-row SQLite commits per second on the stores' disk, probed
   * between measurements: on a shared or virtual disk it moves, and the
   * durable refresh moves with it.
   */
  readonly fsyncProbes: readonly FsyncProbe[];
  readonly rows: readonly Row[];
  readonly budgets: readonly Budget[];
}
