/**
 * One load measurement: the load process (load/worker.ts) against one server,
 * with the server's CPU time and peak RSS read from /proc around it.
 */

import { availableParallelism } from 'node:os';
import { type ListenerLatency, listenerLatency, logOffset } from '../lib/access-log.js';
import { benchFile } from '../lib/paths.js';
import {
  cpuTimeMs,
  LOAD_NODE_OPTIONS,
  listenOverflows,
  nextMessage,
  ofType,
  peakRssMb,
  resetPeakRss,
  spawnTs,
  systemCpuMs,
} from '../lib/proc.js';
import type { ServerHandle } from '../lib/servers.js';
import type { LoadResult, LoadSpec } from './spec.js';

export interface Measurement extends LoadResult {
  /** Server CPU (user + system) per response, microseconds. */
  readonly cpuUsPerReq: number | null;
  /** Of which in the kernel (system time: syscalls such as fsync, socket I/O). */
  readonly cpuSysUsPerReq: number | null;
  /** Server peak RSS during the run (MiB); since start if the peak could not be reset. */
  readonly peakRssMb: number | null;
  readonly peakRssSince: 'run' | 'start';
  /**
   * Share of the machine's CPU (all cores) that other processes — not the
   * server, not the load generator — used during the run, and the share the
   * hypervisor stole. On a shared machine this is the noise in the number.
   */
  readonly otherCpuPct: number | null;
  readonly stealPct: number | null;
  /** Connections the kernel dropped during the run because a listen queue was full (machine-wide counter). */
  readonly listenOverflows: number | null;
  /** The server's own latency for these requests, from its access log (ma-auth only). */
  readonly listener: ListenerLatency | null;
}

export async function measureLoad(server: ServerHandle, spec: LoadSpec): Promise<Measurement> {
  const worker = spawnTs(benchFile('load', 'worker.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // autocannon's timers warn about negative timeouts when the event loop lags; that is the point of a load test.
    execArgv: ['--disable-warning=TimeoutNegativeWarning', ...LOAD_NODE_OPTIONS],
  });
  try {
    await nextMessage(worker, ofType('ready'), 30_000, 'starting the load process');
    const reset = resetPeakRss(server.pid);
    const cpuBefore = cpuTimeMs(server.pid);
    const overflowsBefore = listenOverflows();
    const systemBefore = systemCpuMs();
    const logFrom = logOffset(server.logFile);
    const wallStarted = performance.now();
    const answer = nextMessage(
      worker,
      ofType<{ result?: LoadResult; error?: string }>('result'),
      spec.durationS * 1000 + 60_000,
      `load on ${server.name}`,
    );
    worker.send({ type: 'run', spec });
    const { result, error } = await answer;
    const cpuAfter = cpuTimeMs(server.pid);
    const overflowsAfter = listenOverflows();
    const systemAfter = systemCpuMs();
    const capacityMs = (performance.now() - wallStarted) * availableParallelism();
    if (!result) throw new Error(`load on ${server.name}: ${error}`);
    const perReq = (ms: number) => (result.responses > 0 ? (ms * 1000) / result.responses : null);
    const cpu =
      cpuBefore && cpuAfter
        ? { user: cpuAfter.user - cpuBefore.user, system: cpuAfter.system - cpuBefore.system }
        : null;
    return {
      ...result,
      cpuUsPerReq: cpu ? perReq(cpu.user + cpu.system) : null,
      cpuSysUsPerReq: cpu ? perReq(cpu.system) : null,
      peakRssMb: peakRssMb(server.pid),
      peakRssSince: reset ? 'run' : 'start',
      otherCpuPct:
        systemBefore && systemAfter && cpu
          ? Math.max(
              0,
              ((systemAfter.busy - systemBefore.busy - cpu.user - cpu.system - result.loadCpuMs) * 100) /
                capacityMs,
            )
          : null,
      stealPct:
        systemBefore && systemAfter ? ((systemAfter.steal - systemBefore.steal) * 100) / capacityMs : null,
      listenOverflows:
        overflowsBefore !== null && overflowsAfter !== null ? overflowsAfter - overflowsBefore : null,
      listener: listenerLatency(server.logFile, logFrom, spec.path),
    };
  } finally {
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
}
