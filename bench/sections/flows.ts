/**
 * Complete Alexa flows, all at once (flows/worker.ts), each burst against a
 * fresh install's listener: `flowsRuns` bursts with the bench listener's
 * relaxed limits (the measurement: one burst is a second of a shared
 * machine), once with the limits `ma-auth serve` ships, to show what they do
 * to a thousand links from one address and one pairing client.
 */

import type { FlowsRequest, FlowsResult } from '../flows/worker.js';
import { createInstall } from '../lib/install.js';
import { benchFile } from '../lib/paths.js';
import { LOAD_NODE_OPTIONS, nextMessage, ofType, spawnTs } from '../lib/proc.js';
import type { FlowsRow, FlowsRunSummary } from '../lib/results.js';
import { startMaAuth } from '../lib/servers.js';
import { errorText, type RunContext } from './context.js';

export async function flowsSection(ctx: RunContext): Promise<FlowsRow[]> {
  const rows: FlowsRow[] = [];
  for (const limits of ['relaxed', 'shipped'] as const) {
    // The shipped limits refuse most flows by design: one burst shows that.
    const bursts = limits === 'relaxed' ? ctx.settings.flowsRuns : 1;
    const results: FlowsResult[] = [];
    let error: string | undefined;
    for (let k = 0; k < bursts; k++) {
      if (ctx.timeLeftS() < 30) {
        error = results.length ? undefined : 'not run: out of time';
        break;
      }
      ctx.progress(
        `flows: ${ctx.settings.flows} concurrent Alexa flows (${limits} rate limits, ${k + 1} of ${bursts})`,
      );
      try {
        results.push(await runFlows(ctx, limits));
      } catch (err) {
        error = errorText(err);
        break;
      }
    }
    rows.push(combineFlowRuns(limits, results, error));
  }
  return rows;
}

/**
 * One row for the bursts at one set of limits: the burst with the median p99
 * stands for them (of an even count, the slower middle one), and every burst
 * is listed. A burst that failed to run fails the row.
 */
export function combineFlowRuns(
  limits: FlowsRow['limits'],
  results: readonly FlowsResult[],
  error?: string,
): FlowsRow {
  const runs: FlowsRunSummary[] = results.map((r) => ({
    completed: r.completed,
    errors: r.errors,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    wallS: r.wallS,
    listenerCpuS: r.listenerCpuS,
  }));
  if (error !== undefined || results.length === 0) {
    return { limits, result: null, runs, error: error ?? 'no burst ran' };
  }
  const byP99 = [...results].sort(
    (a, b) => (a.latencyMs.p99 ?? Number.POSITIVE_INFINITY) - (b.latencyMs.p99 ?? Number.POSITIVE_INFINITY),
  );
  return { limits, result: byP99[byP99.length >> 1] as FlowsResult, runs };
}

async function runFlows(ctx: RunContext, limits: 'relaxed' | 'shipped'): Promise<FlowsResult> {
  const install = await createInstall(ctx.build, ctx.tempRoot, `flows-${limits}`);
  const server = await startMaAuth(ctx.build, install, ctx.logDir, {
    name: `ma-auth-flows-${limits}`,
    limits: limits === 'relaxed' ? 'relaxed' : 'default',
  });
  try {
    const worker = spawnTs(benchFile('flows', 'worker.ts'), [], { execArgv: LOAD_NODE_OPTIONS });
    await nextMessage(worker, ofType('ready'), 30_000, 'starting the flows process');
    const answer = nextMessage(
      worker,
      ofType<{ result?: FlowsResult; error?: string }>('result'),
      5 * 60_000,
      'the flows process',
    );
    const request: FlowsRequest = {
      dist: ctx.build.dist,
      home: install.home,
      baseUrl: server.url,
      flows: ctx.settings.flows,
      alexa: install.alexa,
      listenerPid: server.pid,
    };
    worker.send({ type: 'run', ...request });
    const { result, error } = await answer;
    if (!result) throw new Error(error ?? 'no result');
    return result;
  } finally {
    await server.stop();
  }
}
