/**
 * Load on the token path: the physical limit (bare node:http), the peer
 * (oidc-provider: refresh rotating, refresh non-rotating, client_credentials)
 * and ma-auth (durable rotating refresh, introspection), at two connection
 * counts, `rounds` times.
 *
 * Within a round every scenario runs once at each connection count, in an
 * order that shifts by one each round, so slow drift (thermal, page cache,
 * the store growing) lands on all of them alike. Ratios are taken within a
 * round, then the median over rounds.
 */
import { join } from 'node:path';
import { basicAuth, createInstall, type Install } from '../lib/install.js';
import { benchFile } from '../lib/paths.js';
import { nextMessage, ofType, spawnTs } from '../lib/proc.js';
import type { Ratio, ScenarioId, Summary, ThroughputRow } from '../lib/results.js';
import { issueOidcTokens, type ServerHandle, startBare, startMaAuth, startOidc } from '../lib/servers.js';
import { median, medianOf } from '../lib/stats.js';
import { type Measurement, measureLoad } from '../load/run-load.js';
import type { LoadBody, LoadSpec } from '../load/spec.js';
import { OIDC_CLIENT, OIDC_TOKEN_PATH } from '../servers/oidc-client.js';
import { errorText, type RunContext } from './context.js';

const FORM = 'application/x-www-form-urlencoded';

interface Scenario {
  readonly id: ScenarioId;
  readonly label: string;
  readonly server: ServerHandle;
  readonly path: string;
  readonly headers: Record<string, string>;
  body(connections: number): LoadBody;
}

export const SCENARIO_LABELS: Record<ScenarioId, string> = {
  bare: 'bare node:http (fixed JSON)',
  'oidc-refresh-rotating': 'oidc-provider refresh, rotating',
  'oidc-refresh-non-rotating': 'oidc-provider refresh, non-rotating',
  'oidc-client-credentials': 'oidc-provider client_credentials',
  'ma-auth-refresh': 'ma-auth refresh, rotating, durable',
  'ma-auth-introspect': 'ma-auth introspection',
};

/** Runs `seed.ts` in its own process. */
export async function seed(
  ctx: RunContext,
  install: Install,
  mode: 'pool' | 'filler',
  count: number,
  out?: string,
): Promise<number> {
  const child = spawnTs(benchFile('seed', 'seed.ts'), [
    ctx.build.dist,
    install.home,
    mode,
    String(count),
    ...(out ? [out] : []),
  ]);
  const done = await nextMessage(
    child,
    ofType<{ seconds: number }>('seeded'),
    30 * 60_000,
    `seeding ${count} grants (${mode})`,
  );
  return done.seconds;
}

export async function throughputSection(
  ctx: RunContext,
): Promise<{ rows: ThroughputRow[]; ratios: Ratio[] }> {
  const { settings } = ctx;
  const [low, high] = settings.connections;
  const chainsNeeded = settings.rounds * (low + high) + (settings.warmupS > 0 ? low : 0);

  ctx.progress(`throughput: set-up (install, ${chainsNeeded} pre-issued grants per refresh scenario)`);
  const install = await createInstall(ctx.build, ctx.tempRoot, 'throughput');
  const maPool = join(ctx.runDir, 'pool-ma-auth-refresh.json');
  const introspectPool = join(ctx.runDir, 'pool-ma-auth-introspect.json');
  await seed(ctx, install, 'pool', chainsNeeded, maPool);
  await seed(ctx, install, 'pool', Math.max(high, 100), introspectPool);

  const servers: ServerHandle[] = [];
  try {
    const bare = await startBare(ctx.logDir, '/alexa/token');
    servers.push(bare);
    const oidcRotating = await startOidc(ctx.logDir, 'rotating');
    servers.push(oidcRotating);
    const oidcPlain = await startOidc(ctx.logDir, 'non-rotating');
    servers.push(oidcPlain);
    const maAuth = await startMaAuth(ctx.build, install, ctx.logDir);
    servers.push(maAuth);
    ctx.notes.push(
      `ma-auth listener: startServer from this run's build with rate limits relaxed; store: ${maAuth.detail ?? 'unknown'}`,
    );
    const oidcRotatingPool = join(ctx.runDir, 'pool-oidc-rotating.json');
    const oidcPlainPool = join(ctx.runDir, 'pool-oidc-non-rotating.json');
    await issueOidcTokens(oidcRotating, chainsNeeded, oidcRotatingPool);
    await issueOidcTokens(oidcPlain, chainsNeeded, oidcPlainPool);

    const alexaHeaders = {
      'content-type': FORM,
      authorization: basicAuth(install.alexa.clientId, install.alexa.clientSecret),
    };
    const oidcHeaders = {
      'content-type': FORM,
      authorization: basicAuth(OIDC_CLIENT.id, OIDC_CLIENT.secret),
    };
    const offsets = new Map<ScenarioId, number>();
    const chain =
      (id: ScenarioId, poolFile: string) =>
      (connections: number): LoadBody => {
        const offset = offsets.get(id) ?? 0;
        offsets.set(id, offset + connections);
        return { kind: 'refresh-chain', poolFile, offset };
      };
    const allScenarios: Scenario[] = [
      {
        id: 'bare',
        label: SCENARIO_LABELS.bare,
        server: bare,
        path: '/alexa/token',
        headers: alexaHeaders,
        body: () => ({ kind: 'static', text: 'grant_type=refresh_token&refresh_token=maa_rt_x' }),
      },
      {
        id: 'oidc-refresh-rotating',
        label: SCENARIO_LABELS['oidc-refresh-rotating'],
        server: oidcRotating,
        path: OIDC_TOKEN_PATH,
        headers: oidcHeaders,
        body: chain('oidc-refresh-rotating', oidcRotatingPool),
      },
      {
        id: 'oidc-refresh-non-rotating',
        label: SCENARIO_LABELS['oidc-refresh-non-rotating'],
        server: oidcPlain,
        path: OIDC_TOKEN_PATH,
        headers: oidcHeaders,
        body: chain('oidc-refresh-non-rotating', oidcPlainPool),
      },
      {
        id: 'oidc-client-credentials',
        label: SCENARIO_LABELS['oidc-client-credentials'],
        server: oidcPlain,
        path: OIDC_TOKEN_PATH,
        headers: oidcHeaders,
        body: () => ({ kind: 'static', text: 'grant_type=client_credentials&scope=music.read' }),
      },
      {
        id: 'ma-auth-refresh',
        label: SCENARIO_LABELS['ma-auth-refresh'],
        server: maAuth,
        path: '/alexa/token',
        headers: alexaHeaders,
        body: chain('ma-auth-refresh', maPool),
      },
      {
        id: 'ma-auth-introspect',
        label: SCENARIO_LABELS['ma-auth-introspect'],
        server: maAuth,
        path: '/oauth/introspect',
        headers: {
          'content-type': FORM,
          authorization: basicAuth(install.musicAssistant.clientId, install.musicAssistant.clientSecret),
        },
        body: () => ({ kind: 'introspect', poolFile: introspectPool }),
      },
    ];

    const scenarios = allScenarios.filter((s) => !settings.scenarios || settings.scenarios.includes(s.id));

    const spec = (s: Scenario, connections: number, durationS: number): LoadSpec => ({
      url: s.server.url,
      path: s.path,
      connections,
      durationS,
      headers: s.headers,
      body: s.body(connections),
    });

    if (settings.warmupS > 0) {
      for (const s of scenarios) {
        ctx.progress(`throughput: warm-up ${s.id} (${settings.warmupS} s, ${low} connections)`);
        await measureLoad(s.server, spec(s, low, settings.warmupS)).catch(() => null);
      }
    }

    const runs = new Map<string, (Measurement & { round: number })[]>();
    const failures = new Map<string, string[]>();
    const key = (id: ScenarioId, c: number) => `${id}@${c}`;
    for (let round = 0; round < settings.rounds; round++) {
      await ctx.probeFsync(`throughput round ${round + 1}`);
      const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length] as Scenario);
      for (const connections of [low, high]) {
        for (const s of order) {
          if (ctx.timeLeftS() < settings.durationS + 5) {
            ctx.notes.push(
              `throughput: stopped before round ${round + 1} ${s.id}@${connections}: out of time`,
            );
            continue;
          }
          ctx.progress(
            `throughput: round ${round + 1}/${settings.rounds} ${s.id} @ ${connections} connections`,
          );
          try {
            const m = await measureLoad(s.server, spec(s, connections, settings.durationS));
            const list = runs.get(key(s.id, connections)) ?? [];
            list.push({ ...m, round });
            runs.set(key(s.id, connections), list);
          } catch (err) {
            const list = failures.get(key(s.id, connections)) ?? [];
            list.push(`round ${round + 1}: ${errorText(err)}`);
            failures.set(key(s.id, connections), list);
          }
        }
      }
    }

    await ctx.probeFsync('throughput end');
    const rows: ThroughputRow[] = [];
    for (const connections of [low, high]) {
      for (const s of scenarios) {
        const list = runs.get(key(s.id, connections)) ?? [];
        rows.push({
          scenario: s.id,
          label: s.label,
          connections,
          runs: list,
          median: summarise(list),
          failures: failures.get(key(s.id, connections)) ?? [],
        });
      }
    }
    const ratio = (connections: number, numerator: ScenarioId, denominator: ScenarioId): Ratio => {
      const top = runs.get(key(numerator, connections)) ?? [];
      const bottom = runs.get(key(denominator, connections)) ?? [];
      const perRound: number[] = [];
      for (const a of top) {
        const b = bottom.find((m) => m.round === a.round);
        if (b && b.rps > 0) perRound.push(a.rps / b.rps);
      }
      return { connections, numerator, denominator, perRound, median: median(perRound) };
    };
    const ratios: Ratio[] = [];
    for (const connections of [low, high]) {
      ratios.push(ratio(connections, 'ma-auth-refresh', 'oidc-refresh-rotating'));
      ratios.push(ratio(connections, 'ma-auth-refresh', 'oidc-refresh-non-rotating'));
      ratios.push(ratio(connections, 'ma-auth-refresh', 'bare'));
    }
    return { rows, ratios };
  } finally {
    for (const server of servers) await server.stop();
  }
}

function summarise(runs: readonly Measurement[]): Summary {
  return {
    rps: medianOf(runs, (r) => r.rps),
    p50: medianOf(runs, (r) => r.latency.p50),
    p97_5: medianOf(runs, (r) => r.latency.p97_5),
    p99: medianOf(runs, (r) => r.latency.p99),
    p99AfterStart: medianOf(runs, (r) => r.afterStart.p99),
    beforeConnectingMaxMs: medianOf(runs, (r) => r.beforeConnecting.max),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    cpuUsPerReq: medianOf(runs, (r) => r.cpuUsPerReq),
    cpuSysUsPerReq: medianOf(runs, (r) => r.cpuSysUsPerReq),
    otherCpuPct: medianOf(runs, (r) => r.otherCpuPct),
    peakRssMb: medianOf(runs, (r) => r.peakRssMb),
    listenerP50: medianOf(runs, (r) => r.listener?.p50 ?? null),
    listenerP99: medianOf(runs, (r) => r.listener?.p99 ?? null),
  };
}
