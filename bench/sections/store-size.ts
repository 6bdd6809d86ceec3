/**
 * Refresh under load as the store grows: for each size, a fresh install
 * filled with that many grants (seed.ts `filler`, plus the pool the load
 * presents), its own listener warmed up, then `storeLoad.runs` runs of
 * rotating refresh. Installs at the sizes the offline operations need are
 * kept for them; the others are deleted at once (a million grants is ~1 GB).
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { basicAuth, createInstall, type Install } from '../lib/install.js';
import type { StoreSizeRow } from '../lib/results.js';
import { startMaAuth } from '../lib/servers.js';
import { medianOf } from '../lib/stats.js';
import { type Measurement, measureLoad } from '../load/run-load.js';
import { errorText, type RunContext } from './context.js';
import { seed } from './throughput.js';

export interface StoreSizeOutcome {
  readonly rows: StoreSizeRow[];
  /** Installs kept for the offline operations, by grant count. */
  readonly kept: Map<number, Install>;
}

export async function storeSizeSection(ctx: RunContext): Promise<StoreSizeOutcome> {
  const { settings } = ctx;
  const { connections, durationS, runs } = settings.storeLoad;
  const rows: StoreSizeRow[] = [];
  const kept = new Map<number, Install>();
  for (const grants of settings.storeSizes) {
    if (ctx.timeLeftS() < 20) {
      rows.push(emptyRow(grants, 'not run: out of time'));
      continue;
    }
    let install: Install | null = null;
    try {
      ctx.progress(`store size: ${grants.toLocaleString('en')} grants — populating`);
      install = await createInstall(ctx.build, ctx.tempRoot, `store-${grants}`);
      const chains = connections * (runs + (settings.warmupS > 0 ? 1 : 0));
      const pool = join(ctx.runDir, `pool-store-${grants}.json`);
      const fillerS = await seed(ctx, install, 'filler', Math.max(0, grants - chains));
      const poolS = await seed(ctx, install, 'pool', chains, pool);
      const dbSizeMb = statSync(install.storeFile).size / 2 ** 20;
      await ctx.probeFsync(`store size ${grants}`);
      const server = await startMaAuth(ctx.build, install, ctx.logDir, { name: `ma-auth-store-${grants}` });
      const measured: Measurement[] = [];
      try {
        const headers = {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(install.alexa.clientId, install.alexa.clientSecret),
        };
        let offset = 0;
        const run = (seconds: number) => {
          const spec = {
            url: server.url,
            path: '/alexa/token',
            connections,
            durationS: seconds,
            headers,
            body: { kind: 'refresh-chain' as const, poolFile: pool, offset },
          };
          offset += connections;
          return measureLoad(server, spec);
        };
        if (settings.warmupS > 0) await run(settings.warmupS);
        for (let i = 0; i < runs; i++) {
          ctx.progress(`store size: ${grants.toLocaleString('en')} grants — refresh run ${i + 1}/${runs}`);
          measured.push(await run(durationS));
        }
      } finally {
        await server.stop();
      }
      rows.push({
        grants,
        populateS: fillerS + poolS,
        dbSizeMb,
        rps: medianOf(measured, (m) => m.rps),
        p50: medianOf(measured, (m) => m.latency.p50),
        p99: medianOf(measured, (m) => m.latency.p99),
        non2xx: measured.reduce((n, m) => n + m.non2xx, 0),
        errors: measured.reduce((n, m) => n + m.errors, 0),
        listenerPeakRssMb: medianOf(measured, (m) => m.peakRssMb),
      });
      if (settings.opsSizes.includes(grants)) kept.set(grants, install);
      else rmSync(install.home, { recursive: true, force: true });
    } catch (err) {
      rows.push(emptyRow(grants, errorText(err)));
      if (install && !settings.opsSizes.includes(grants))
        rmSync(install.home, { recursive: true, force: true });
      else if (install) kept.set(grants, install);
    }
  }
  return { rows, kept };
}

function emptyRow(grants: number, error: string): StoreSizeRow {
  return {
    grants,
    populateS: null,
    dbSizeMb: null,
    rps: null,
    p50: null,
    p99: null,
    non2xx: null,
    errors: null,
    listenerPeakRssMb: null,
    error,
  };
}
