/**
 * Where ma-auth's refresh time goes: a listener run with `--cpu-prof` under
 * the same load as the low-connection refresh runs (on its own install, so
 * the profiler's overhead touches no other number), summarised as the frames
 * and the files with the most self time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { basicAuth, createInstall } from '../lib/install.js';
import { ROOT } from '../lib/paths.js';
import type { ProfileFrame } from '../lib/results.js';
import { startMaAuth } from '../lib/servers.js';
import { measureLoad } from '../load/run-load.js';
import type { RunContext } from './context.js';
import { seed } from './throughput.js';

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}

export async function profileSection(
  ctx: RunContext,
): Promise<{ top: ProfileFrame[]; byFile: ProfileFrame[]; file: string; rps: number | null }> {
  const connections = ctx.settings.connections[0];
  const durationS = ctx.settings.mode === 'full' ? 10 : 1;
  ctx.progress(`profile: ma-auth refresh under --cpu-prof, ${connections} connections, ${durationS} s`);
  const install = await createInstall(ctx.build, ctx.tempRoot, 'profile');
  const pool = join(ctx.runDir, 'pool-profile.json');
  await seed(ctx, install, 'pool', connections * 2, pool);
  const dir = join(ctx.runDir, 'profile');
  const server = await startMaAuth(ctx.build, install, ctx.logDir, {
    name: 'ma-auth-profiled',
    execArgv: ['--cpu-prof', '--cpu-prof-dir', dir],
  });
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: basicAuth(install.alexa.clientId, install.alexa.clientSecret),
  };
  let rps: number | null = null;
  try {
    const load = (offset: number, seconds: number) =>
      measureLoad(server, {
        url: server.url,
        path: '/alexa/token',
        connections,
        durationS: seconds,
        headers,
        body: { kind: 'refresh-chain', poolFile: pool, offset },
      });
    await load(0, durationS);
    rps = (await load(connections, durationS)).rps;
  } finally {
    await server.stop();
  }
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!name) throw new Error(`no .cpuprofile in ${dir}`);
  const file = join(dir, name);
  return { ...summariseProfile(file), file: relative(ROOT, file), rps };
}

export function summariseProfile(file: string): { top: ProfileFrame[]; byFile: ProfileFrame[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: CpuProfileNode[]; samples: number[] };
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const frames = new Map<string, { fn: string; where: string; hits: number }>();
  const files = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (n === 0 || functionName === '(idle)') continue;
    total += n;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '(native)';
    const key = `${functionName}|${where}`;
    const frame = frames.get(key) ?? { fn: functionName || '(anonymous)', where, hits: 0 };
    frame.hits += n;
    frames.set(key, frame);
    const fileKey = url ? shortUrl(url) : functionName.startsWith('(') ? functionName : '(native)';
    files.set(fileKey, (files.get(fileKey) ?? 0) + n);
  }
  const pct = (n: number) => Math.round((n / Math.max(1, total)) * 1000) / 10;
  return {
    top: [...frames.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, 20)
      .map((f) => ({ selfPercent: pct(f.hits), fn: f.fn, where: f.where })),
    byFile: [...files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([where, n]) => ({ selfPercent: pct(n), fn: '', where })),
  };
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + 1);
  const dist = url.indexOf('/build/dist/');
  if (dist >= 0) return url.slice(dist + '/build/'.length);
  return url.replace(/^file:\/\//, '');
}
