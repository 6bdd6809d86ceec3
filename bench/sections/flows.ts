/**
 * Complete Alexa flows, all at once (flows/worker.ts), against a fresh
 * install's listener: once with the bench listener's relaxed limits (the
 * measurement), once with the limits `ma-auth serve` ships, to show what
 * they do to a thousand links from one address and one pairing client.
 */

import type { FlowsRequest, FlowsResult } from '../flows/worker.js';
import { createInstall } from '../lib/install.js';
import { benchFile } from '../lib/paths.js';
import { LOAD_NODE_OPTIONS, nextMessage, ofType, spawnTs } from '../lib/proc.js';
import type { FlowsRow } from '../lib/results.js';
import { startMaAuth } from '../lib/servers.js';
import { errorText, type RunContext } from './context.js';

export async function flowsSection(ctx: RunContext): Promise<FlowsRow[]> {
  const rows: FlowsRow[] = [];
  for (const limits of ['relaxed', 'shipped'] as const) {
    if (ctx.timeLeftS() < 30) {
      rows.push({ limits, result: null, error: 'not run: out of time' });
      continue;
    }
    ctx.progress(`flows: ${ctx.settings.flows} concurrent Alexa flows (${limits} rate limits)`);
    try {
      rows.push({ limits, result: await runFlows(ctx, limits) });
    } catch (err) {
      rows.push({ limits, result: null, error: errorText(err) });
    }
  }
  return rows;
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
