/**
 * How long and how hard each part runs. Full mode is the measurement (about
 * ten minutes); smoke mode exercises every part in well under a minute so CI
 * keeps the bench working — its numbers mean nothing.
 */
export interface Settings {
  readonly mode: 'full' | 'smoke';
  /** Connection counts of the load runs; budgets name the first "low", the second "high". */
  readonly connections: readonly [number, number];
  readonly durationS: number;
  readonly rounds: number;
  /** Per server, before the first round (JIT, caches). 0: none. */
  readonly warmupS: number;
  readonly flows: number;
  /**
   * Bursts of `flows` with the relaxed limits, each on a fresh install; the
   * budget takes the burst with the median p99, and counts the errors of all.
   */
  readonly flowsRuns: number;
  readonly helpRuns: number;
  readonly statusRuns: number;
  readonly linkRuns: number;
  /** Grants in the store-size runs, smallest first; the budget compares the last with the first. */
  readonly storeSizes: readonly number[];
  readonly storeLoad: { readonly connections: number; readonly durationS: number; readonly runs: number };
  /** Store sizes the offline operations run at: [small, large]; the large one is the budgeted one. */
  readonly opsSizes: readonly [number, number];
  /** Runs of each offline operation at each size; the budget takes the median wall time, the largest peak RSS. */
  readonly opsRuns: number;
  /** Throughput scenarios to run (ids); all when absent. For working on one number, never published. */
  readonly scenarios?: readonly string[];
  /** A soft bound on the whole run; parts still to come are skipped ("not measured") past it. */
  readonly deadlineS: number;
}

export const FULL: Settings = {
  mode: 'full',
  connections: [100, 1000],
  durationS: 10,
  rounds: 3,
  warmupS: 3,
  flows: 1000,
  flowsRuns: 3,
  helpRuns: 15,
  statusRuns: 11,
  linkRuns: 5,
  storeSizes: [1_000, 100_000, 1_000_000],
  storeLoad: { connections: 100, durationS: 8, runs: 2 },
  opsSizes: [1_000, 100_000],
  opsRuns: 3,
  deadlineS: 14 * 60,
};

export const SMOKE: Settings = {
  mode: 'smoke',
  connections: [10, 50],
  durationS: 1,
  rounds: 1,
  warmupS: 0,
  flows: 40,
  flowsRuns: 2,
  helpRuns: 2,
  statusRuns: 2,
  linkRuns: 1,
  storeSizes: [200, 2_000, 10_000],
  storeLoad: { connections: 10, durationS: 1, runs: 1 },
  opsSizes: [200, 2_000],
  opsRuns: 2,
  deadlineS: 80,
};
