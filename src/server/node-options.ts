/**
 * Node options for the listener's process, wherever ma-auth starts it:
 * `ma-auth link` and `serve --detach` spawn it with these (cli/listener-process.ts);
 * deploy/ma-auth.service and the Docker example in docs/deployment.md set
 * them for a foreground `ma-auth serve` through NODE_OPTIONS.
 *
 * `--v8-pool-size`: V8 runs the parallel and concurrent phases of its garbage
 * collector and its optimising compilers on a pool of helper threads — four
 * by default, whatever the machine. On the two- to four-core hosts ma-auth
 * runs on (beside Music Assistant), four helpers plus the event loop are more
 * runnable threads than cores, and the event loop — the one thread that
 * answers requests — waits its turn behind V8's background work, most of all
 * in a fresh listener, which compiles while it serves. The listener keeps one
 * core for the event loop and gives V8 the rest, at least one helper.
 *
 * Measured on two cores (docs/benchmarks.md, "Looked at after the 20:32
 * run"), 1000 concurrent flows on a fresh listener, 16 alternating pairs of
 * one helper against four: the event loop's thread waited for a core less in
 * 15 of them (median 220 vs 282 ms over a burst), and the flows' p99 was
 * lower in 11 (median 850 vs 918 ms). Its own CPU time did not fall — it
 * does more of the collector's work itself — so the gain is the waiting.
 * Steady refresh and introspection load: no difference beyond the noise.
 */
import { availableParallelism } from 'node:os';

/** Node's own default pool size. */
const NODE_DEFAULT_POOL = 4;

export function listenerV8PoolSize(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(NODE_DEFAULT_POOL, cores - 1));
}

export function listenerNodeOptions(cores?: number): string[] {
  return [`--v8-pool-size=${listenerV8PoolSize(cores)}`];
}
